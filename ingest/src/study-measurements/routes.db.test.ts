import { describe, expect } from 'vitest';
import { auditRowsFor, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer, grafanaHeaders, jsonBody, test, withoutSecret } from '../test/fixtures.ts';
import { DEFAULT_MEASUREMENTS } from '../wearables/measurements.ts';

type View = {
  studyId: number;
  measurements: string[];
  chosen: boolean;
  catalogue: { id: string; label: string; providers: string[]; optIn: boolean }[];
};
type ErrorJson = { error: { code: string; fields?: { field: string; message: string }[] } };

const path = (studyId: number | string) => `/api/v1/studies/${studyId}/measurements`;
const put = (body: unknown, headers: Record<string, string> = asAdmin) => ({
  method: 'PUT',
  headers,
  body: jsonBody(body),
});

describe('GET/PUT /api/v1/studies/:id/measurements', () => {
  test('a study that never chose collects all but ECG and irregular rhythm; an Admin chooses, audited', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const res = await app.request(path(study.id), { headers: asViewer });
    expect(res.status).toBe(200);
    const initial = (await res.json()) as View;
    expect(initial).toMatchObject({ studyId: study.id, measurements: DEFAULT_MEASUREMENTS, chosen: false });
    expect(initial.catalogue.find((m) => m.id === 'ecg')).toEqual({
      id: 'ecg',
      label: 'ECG',
      providers: ['fitbit', 'withings', 'polar'],
      optIn: true,
    });
    expect(initial.catalogue.find((m) => m.id === 'recovery')?.providers).toEqual(['polar']);

    // Duplicates count once; the catalogue's order is kept whatever the body's.
    const saved = await app.request(path(study.id), put({ measurements: ['ecg', 'heart_rate', 'ecg'] }));
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ measurements: ['heart_rate', 'ecg'], chosen: true });
    expect(await (await app.request(path(study.id), { headers: asViewer })).json()).toMatchObject({
      measurements: ['heart_rate', 'ecg'],
      chosen: true,
    });

    const none = await app.request(path(study.id), put({ measurements: [] }));
    expect(await none.json()).toMatchObject({ measurements: [], chosen: true });

    const audit = (await auditRowsFor(db, 'study', study.id)).filter((a) => a.action === 'study.measurements.update');
    expect(audit.map((a) => [a.actor.login, a.before, a.after])).toEqual([
      [
        'ann',
        { measurements: DEFAULT_MEASUREMENTS, chosen: false },
        { measurements: ['heart_rate', 'ecg'], chosen: true },
      ],
      ['ann', { measurements: ['heart_rate', 'ecg'], chosen: true }, { measurements: [], chosen: true }],
    ]);
  });

  test('400 names every unknown measurement; nothing is written', async ({ app, db }) => {
    const study = await insertStudy(db);
    const res = await app.request(path(study.id), put({ measurements: ['sleep', 'glucose', 'mood'] }));
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as ErrorJson).error.fields ?? [];
    expect(fields.map((f) => f.field)).toEqual(['measurements']);
    expect(fields[0]?.message).toMatch(/^not measurements: glucose, mood \(known: heart_rate, /);
    expect((await app.request(path(study.id), put({ measurements: 'sleep' }))).status).toBe(400);
    expect((await app.request(path(study.id), put({ measurements: ['sleep'], extra: 1 }))).status).toBe(400);
    expect((await app.request(path(study.id), put({}))).status).toBe(400);
    expect(await db('study_measurements').where({ study_id: study.id })).toEqual([]);
  });

  test('404 for an unknown study, or a deleted one to change', async ({ app, db }) => {
    expect((await app.request(path(4_000_000_000), { headers: asViewer })).status).toBe(404);
    expect((await app.request(path(4_000_000_000), put({ measurements: ['sleep'] }))).status).toBe(404);
    expect((await app.request(path('abc'), { headers: asViewer })).status).toBe(400);
    const study = await insertStudy(db);
    await db('studies').where({ id: study.id }).update({ deleted_at: new Date() });
    expect((await app.request(path(study.id), put({ measurements: ['sleep'] }))).status).toBe(404);
    expect(await db('study_measurements').where({ study_id: study.id })).toEqual([]);
  });

  test('401 without the shared secret, 403 for a Viewer or Editor changing it; nothing is written', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const body = { measurements: ['sleep'] };
    expect((await app.request(path(study.id), { headers: withoutSecret })).status).toBe(401);
    expect((await app.request(path(study.id), put(body, withoutSecret))).status).toBe(401);
    expect((await app.request(path(study.id), put(body, asViewer))).status).toBe(403);
    expect((await app.request(path(study.id), put(body, grafanaHeaders('Editor')))).status).toBe(403);
    expect((await app.request(path(study.id), { headers: grafanaHeaders('None') })).status).toBe(403);
    expect(await db('study_measurements').where({ study_id: study.id })).toEqual([]);
  });
});
