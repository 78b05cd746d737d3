import { describe, expect } from 'vitest';
import { auditRowsFor, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer, grafanaHeaders, jsonBody, test, withoutSecret } from '../test/fixtures.ts';

type ErrorJson = { error: { code: string; fields?: { field: string; message: string }[] } };

const path = (studyId: number | string) => `/api/v1/studies/${studyId}/source-priority`;
const put = (body: unknown, headers: Record<string, string> = asAdmin) => ({
  method: 'PUT',
  headers,
  body: jsonBody(body),
});
const DEFAULT_ORDER = {
  steps: ['fitbit', 'withings', 'polar', 'phone'],
  heart_rate: ['polar', 'fitbit', 'withings'],
  daily_activity: ['fitbit', 'withings', 'polar'],
  resting_heart_rate: ['fitbit', 'polar'],
  daily_breathing_rate: ['fitbit', 'polar'],
  daily_hrv: ['polar', 'fitbit'],
  daily_skin_temperature: ['fitbit', 'polar'],
  sleep: ['fitbit', 'withings', 'polar'],
  workouts: ['polar', 'fitbit', 'withings'],
};
const NONE = Object.fromEntries(Object.keys(DEFAULT_ORDER).map((m) => [m, []]));

describe('GET/PUT /api/v1/studies/:id/source-priority', () => {
  test('a study never configured has empty lists and the default order; an Admin sets and clears them, audited', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const res = await app.request(path(study.id), { headers: asViewer });
    expect(res.status).toBe(200);
    const none = NONE;
    expect(await res.json()).toEqual({ studyId: study.id, priorities: none, defaultOrder: DEFAULT_ORDER });

    const set = {
      steps: [{ source: 'withings', device: ' ScanWatch 2 ' }, { source: 'polar' }, { source: 'phone' }],
      heart_rate: [{ source: 'polar', device: 'Polar H10' }, { source: 'fitbit' }],
      sleep: [{ source: 'withings', device: 'Sleep Analyzer' }, { source: 'fitbit' }],
      daily_hrv: [{ source: 'fitbit' }],
    };
    const stored = {
      ...NONE,
      steps: [{ source: 'withings', device: 'ScanWatch 2' }, { source: 'polar' }, { source: 'phone' }],
      heart_rate: [{ source: 'polar', device: 'Polar H10' }, { source: 'fitbit' }],
      sleep: [{ source: 'withings', device: 'Sleep Analyzer' }, { source: 'fitbit' }],
      daily_hrv: [{ source: 'fitbit' }],
    };
    const saved = await app.request(path(study.id), put(set));
    expect(saved.status).toBe(200);
    expect(await saved.json()).toEqual({ studyId: study.id, priorities: stored, defaultOrder: DEFAULT_ORDER });
    expect(await (await app.request(path(study.id), { headers: asViewer })).json()).toMatchObject({
      priorities: stored,
    });

    // Left out: back to the default order.
    const cleared = await app.request(path(study.id), put({ heart_rate: [{ source: 'withings' }] }));
    const after = { ...NONE, heart_rate: [{ source: 'withings' }] };
    expect(await cleared.json()).toMatchObject({ priorities: after });

    const audit = (await auditRowsFor(db, 'study', study.id)).filter(
      (a) => a.action === 'study.source-priority.update'
    );
    expect(audit.map((a) => [a.actor.login, a.before, a.after])).toEqual([
      ['ann', none, stored],
      ['ann', stored, after],
    ]);
  });

  test('400 names the entry: unknown measurement or source, a device on the phone, duplicates, an entry never reached', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const errorsOf = async (body: unknown) => {
      const res = await app.request(path(study.id), put(body));
      expect(res.status).toBe(400);
      return ((await res.json()) as ErrorJson).error.fields?.map((f) => [f.field, f.message]);
    };
    expect(await errorsOf({ walking: [{ source: 'phone' }] })).toEqual([
      [
        'walking',
        'is not a measurement with sources to rank (known: steps, heart_rate, daily_activity, resting_heart_rate, daily_breathing_rate, daily_hrv, daily_skin_temperature, sleep, workouts)',
      ],
    ]);
    // Point readings are not ranked: every source's are kept.
    expect(await errorsOf({ weight: [{ source: 'withings' }] })).toEqual([
      ['weight', expect.stringMatching(/^is not a measurement with sources to rank/)],
    ]);
    expect(await errorsOf({ sleep: [{ source: 'withings' }, { source: 'phone' }] })).toEqual([
      ['sleep.1.source', '"phone" is not a source of sleep (known: fitbit, withings, polar)'],
    ]);
    expect(await errorsOf({ resting_heart_rate: [{ source: 'withings' }] })).toEqual([
      ['resting_heart_rate.0.source', '"withings" is not a source of resting_heart_rate (known: fitbit, polar)'],
    ]);
    expect(
      await errorsOf({ workouts: [{ source: 'polar' }, { source: 'polar', device: 'Polar Vantage V3' }] })
    ).toEqual([['workouts.1', 'polar "Polar Vantage V3" can never apply: entry 0 (polar, any device) comes first']]);
    expect(await errorsOf({ heart_rate: [{ source: 'polar' }, { source: 'phone' }] })).toEqual([
      ['heart_rate.1.source', '"phone" is not a source of heart_rate (known: polar, fitbit, withings)'],
    ]);
    expect(await errorsOf({ steps: [{ source: 'garmin' }] })).toEqual([
      ['steps.0.source', '"garmin" is not a source of steps (known: fitbit, withings, polar, phone)'],
    ]);
    expect(await errorsOf({ steps: [{ source: 'phone', device: 'Pixel 8' }] })).toEqual([
      ['steps.0.device', 'phone rows name no device'],
    ]);
    expect(await errorsOf({ steps: [{ source: 'fitbit' }, { source: 'polar' }, { source: 'fitbit' }] })).toEqual([
      ['steps.2', 'fitbit (any device) is already entry 0'],
    ]);
    expect(
      await errorsOf({
        steps: [
          { source: 'withings', device: 'ScanWatch' },
          { source: 'withings', device: 'ScanWatch' },
        ],
      })
    ).toEqual([['steps.1', 'withings "ScanWatch" is already entry 0']]);
    expect(await errorsOf({ heart_rate: [{ source: 'polar' }, { source: 'polar', device: 'Polar H10' }] })).toEqual([
      ['heart_rate.1', 'polar "Polar H10" can never apply: entry 0 (polar, any device) comes first'],
    ]);
    expect(await errorsOf({ steps: [{ source: 'fitbit', colour: 'red' }] })).toEqual([
      ['steps.0.colour', 'is not a known field'],
    ]);
    expect(await errorsOf({ steps: [{ source: 'fitbit', device: '  ' }] })).toEqual([
      ['steps.0.device', expect.any(String)],
    ]);
    expect(await errorsOf({ steps: { source: 'fitbit' } })).toEqual([['steps', expect.any(String)]]);
    expect(await db('source_priorities').where({ study_id: study.id })).toEqual([]);
  });

  test('404 for an unknown or deleted study', async ({ app, db }) => {
    expect((await app.request(path(4_000_000_000), put({}))).status).toBe(404);
    expect((await app.request(path(4_000_000_000), { headers: asViewer })).status).toBe(404);
    expect((await app.request(path('abc'), { headers: asViewer })).status).toBe(400);
    const study = await insertStudy(db);
    await db('studies').where({ id: study.id }).update({ deleted_at: new Date() });
    expect((await app.request(path(study.id), put({ steps: [{ source: 'phone' }] }))).status).toBe(404);
    expect(await db('source_priorities').where({ study_id: study.id })).toEqual([]);
  });

  test('401 without the shared secret, 403 for a Viewer or Editor changing it; nothing is written', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const body = { steps: [{ source: 'phone' }], sleep: [{ source: 'withings' }] };
    expect((await app.request(path(study.id), { headers: withoutSecret })).status).toBe(401);
    expect((await app.request(path(study.id), put(body, withoutSecret))).status).toBe(401);
    expect((await app.request(path(study.id), put(body, asViewer))).status).toBe(403);
    expect((await app.request(path(study.id), put(body, grafanaHeaders('Editor')))).status).toBe(403);
    expect((await app.request(path(study.id), { headers: grafanaHeaders('None') })).status).toBe(403);
    expect(await db('source_priorities').where({ study_id: study.id })).toEqual([]);
  });
});
