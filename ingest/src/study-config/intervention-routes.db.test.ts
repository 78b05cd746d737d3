import { describe, expect } from 'vitest';
import { auditRowsFor, insertParticipant, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer, jsonBody, test, withoutSecret } from '../test/fixtures.ts';

type ErrorJson = { error: { code: string; fields?: { field: string; message: string }[] } };
type DatesJson = { participantId: number; items: { interventionId: number; name: string; date: string | null }[] };

describe('interventions', () => {
  test('create, list, rename, and delete when unused; each audited', async ({ app, db }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}/interventions`;
    const create = (name: string) => app.request(url, { method: 'POST', headers: asAdmin, body: jsonBody({ name }) });
    const surgery = (await (await create('Surgery')).json()) as { id: number; name: string };
    expect(surgery.name).toBe('Surgery');
    expect((await create('Surgery')).status).toBe(409);
    const discharge = (await (await create('Discharge')).json()) as { id: number };
    const list = async () =>
      ((await (await app.request(url, { headers: asViewer })).json()) as { items: { name: string }[] }).items.map(
        (i) => i.name
      );
    expect(await list()).toEqual(['Surgery', 'Discharge']);

    const renamed = await app.request(`/api/v1/interventions/${surgery.id}`, {
      method: 'PATCH',
      headers: asAdmin,
      body: jsonBody({ name: 'Operation' }),
    });
    expect(renamed.status).toBe(200);
    expect(await list()).toEqual(['Operation', 'Discharge']);

    // Used by a survey (even a deleted one): refused.
    const survey = (await (
      await app.request(`/api/v1/studies/${study.id}/surveys`, {
        method: 'POST',
        headers: asAdmin,
        body: jsonBody({
          surveyType: 'audio_survey',
          schedules: { relative: [{ interventionId: surgery.id, daysAfter: 2, hour: 9, minute: 0 }] },
        }),
      })
    ).json()) as { id: number; schedules: { relative: { intervention: string }[] } };
    expect(survey.schedules.relative[0]?.intervention).toBe('Operation');
    await app.request(`/api/v1/surveys/${survey.id}`, { method: 'DELETE', headers: asAdmin });
    expect(
      (await app.request(`/api/v1/interventions/${surgery.id}`, { method: 'DELETE', headers: asAdmin })).status
    ).toBe(409);
    expect(
      (await app.request(`/api/v1/interventions/${discharge.id}`, { method: 'DELETE', headers: asAdmin })).status
    ).toBe(204);
    expect(await list()).toEqual(['Operation']);
    expect((await auditRowsFor(db, 'intervention', surgery.id)).map((a) => a.action)).toEqual([
      'intervention.create',
      'intervention.rename',
    ]);
    expect((await auditRowsFor(db, 'intervention', discharge.id)).map((a) => a.action)).toEqual([
      'intervention.create',
      'intervention.delete',
    ]);
  });

  test('400 naming the field, 401 without secret, 403 for a Viewer, 404 unknown', async ({ app, db }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}/interventions`;
    const bad = await app.request(url, { method: 'POST', headers: asAdmin, body: jsonBody({ name: ' ' }) });
    expect(((await bad.json()) as ErrorJson).error.fields?.[0]?.field).toBe('name');
    const body = jsonBody({ name: 'Surgery' });
    expect((await app.request(url, { method: 'POST', headers: withoutSecret, body })).status).toBe(401);
    expect((await app.request(url, { method: 'POST', headers: asViewer, body })).status).toBe(403);
    expect((await app.request('/api/v1/interventions/4000000000', { method: 'DELETE', headers: asAdmin })).status).toBe(
      404
    );
    expect(await db('interventions').where({ study_id: study.id })).toHaveLength(0);
  });
});

describe("a participant's intervention dates", () => {
  test('set, change and clear dates; audited on the participant', async ({ app, db }) => {
    const study = await insertStudy(db);
    const p = await insertParticipant(db, study.id);
    const create = async (name: string) =>
      (await (
        await app.request(`/api/v1/studies/${study.id}/interventions`, {
          method: 'POST',
          headers: asAdmin,
          body: jsonBody({ name }),
        })
      ).json()) as { id: number };
    const [surgery, discharge] = [await create('Surgery'), await create('Discharge')];
    const url = `/api/v1/participants/${p.id}/interventions`;
    const put = (dates: unknown) => app.request(url, { method: 'PUT', headers: asAdmin, body: jsonBody({ dates }) });

    const set = await put([
      { interventionId: surgery.id, date: '2026-11-18' },
      { interventionId: discharge.id, date: '2026-11-25' },
    ]);
    expect(set.status).toBe(200);
    expect(((await set.json()) as DatesJson).items).toEqual([
      { interventionId: surgery.id, name: 'Surgery', date: '2026-11-18' },
      { interventionId: discharge.id, name: 'Discharge', date: '2026-11-25' },
    ]);
    await put([{ interventionId: discharge.id, date: null }]);
    const read = (await (await app.request(url, { headers: asViewer })).json()) as DatesJson;
    expect(read.items.map((i) => i.date)).toEqual(['2026-11-18', null]);
    const audits = await auditRowsFor(db, 'participant', p.id);
    expect(audits.map((a) => [a.action, a.after])).toEqual([
      ['participant.intervention_dates', { [surgery.id]: '2026-11-18', [discharge.id]: '2026-11-25' }],
      ['participant.intervention_dates', { [surgery.id]: '2026-11-18' }],
    ]);
  });

  test('400 for a bad date or another study’s intervention, 401, 403 and 404; nothing stored', async ({ app, db }) => {
    const [study, other] = [await insertStudy(db), await insertStudy(db)];
    const p = await insertParticipant(db, study.id);
    const foreign = (await (
      await app.request(`/api/v1/studies/${other.id}/interventions`, {
        method: 'POST',
        headers: asAdmin,
        body: jsonBody({ name: 'Elsewhere' }),
      })
    ).json()) as { id: number };
    const url = `/api/v1/participants/${p.id}/interventions`;
    const put = (headers: Record<string, string>, dates: unknown) =>
      app.request(url, { method: 'PUT', headers, body: jsonBody({ dates }) });
    const badDate = await put(asAdmin, [{ interventionId: foreign.id, date: '2026-13-01' }]);
    expect(((await badDate.json()) as ErrorJson).error.fields?.map((f) => f.field)).toEqual(['dates.0.date']);
    const wrongStudy = await put(asAdmin, [{ interventionId: foreign.id, date: '2026-12-01' }]);
    expect(wrongStudy.status).toBe(400);
    expect(((await wrongStudy.json()) as ErrorJson).error.fields?.map((f) => f.field)).toEqual([
      'dates.0.interventionId',
    ]);
    const ok = [{ interventionId: foreign.id, date: '2026-12-01' }];
    expect((await put(withoutSecret, ok)).status).toBe(401);
    expect((await put(asViewer, ok)).status).toBe(403);
    expect((await app.request('/api/v1/participants/4000000000/interventions', { headers: asViewer })).status).toBe(
      404
    );
    expect(await db('participant_intervention_dates').where({ participant_id: p.id })).toHaveLength(0);
  });
});
