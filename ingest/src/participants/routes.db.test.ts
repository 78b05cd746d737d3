import { describe, expect } from 'vitest';
import { auditRowsFor, insertParticipant, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer, jsonBody, test, withoutSecret } from '../test/fixtures.ts';

type ParticipantJson = { id: number; studyId: number; label: string; status: string; deletedAt: string | null };
type ErrorJson = { error: { code: string; message: string; fields?: { field: string }[] } };

describe('POST /api/v1/studies/:studyId/participants', () => {
  test('enrols a participant and audits it', async ({ app, db }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/participants`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ label: 'patient_1' }),
    });
    expect(res.status).toBe(201);
    const participant = (await res.json()) as ParticipantJson;
    expect(participant).toMatchObject({ studyId: study.id, label: 'patient_1', status: 'active', deletedAt: null });
    const [audit] = await auditRowsFor(db, 'participant', participant.id);
    expect(audit).toMatchObject({
      action: 'participant.create',
      target: { studyId: study.id },
      after: { label: 'patient_1' },
    });
  });

  test('400 naming the field, 404 for an unknown study, 409 for a deleted study or a taken label', async ({
    app,
    db,
    clock,
  }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}/participants`;
    const bad = await app.request(url, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ label: '../x', status: 'gone' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorJson).error.fields?.map((f) => f.field).sort()).toEqual(['label', 'status']);

    const missing = await app.request('/api/v1/studies/4000000000/participants', {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ label: 'a' }),
    });
    expect(missing.status).toBe(404);

    await insertParticipant(db, study.id, { label: 'taken' });
    const taken = await app.request(url, { method: 'POST', headers: asAdmin, body: jsonBody({ label: 'taken' }) });
    expect(taken.status).toBe(409);

    await db('studies').where({ id: study.id }).update({ deleted_at: clock() });
    const deleted = await app.request(url, { method: 'POST', headers: asAdmin, body: jsonBody({ label: 'late' }) });
    expect(deleted.status).toBe(409);
  });

  test('401 without secret and 403 for a Viewer, writing nothing', async ({ app, db }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}/participants`;
    const body = jsonBody({ label: 'nobody' });
    expect((await app.request(url, { method: 'POST', headers: withoutSecret, body })).status).toBe(401);
    expect((await app.request(url, { method: 'POST', headers: asViewer, body })).status).toBe(403);
    expect(await db('participants').where({ study_id: study.id })).toHaveLength(0);
  });
});

describe('GET /api/v1/studies/:studyId/participants', () => {
  test('filters by status and search, paginates, and hides the deleted unless asked', async ({ app, db, clock }) => {
    const study = await insertStudy(db);
    await insertParticipant(db, study.id, { label: 'p_a' });
    await insertParticipant(db, study.id, { label: 'p_b', status: 'paused' });
    const gone = await insertParticipant(db, study.id, { label: 'p_c' });
    await db('participants').where({ id: gone.id }).update({ deleted_at: clock() });
    const get = async (query: string) =>
      (await (await app.request(`/api/v1/studies/${study.id}/participants${query}`, { headers: asViewer })).json()) as {
        items: ParticipantJson[];
        total: number;
      };
    expect((await get('')).items.map((p) => p.label)).toEqual(['p_a', 'p_b']);
    expect((await get('?status=paused')).items.map((p) => p.label)).toEqual(['p_b']);
    expect((await get('?q=_b')).items.map((p) => p.label)).toEqual(['p_b']);
    expect((await get('?deleted=only')).items.map((p) => p.label)).toEqual(['p_c']);
    expect(await get('?deleted=include&limit=1&offset=2')).toMatchObject({ total: 3, items: [{ label: 'p_c' }] });
  });

  test('400 for a bad status, 404 for an unknown study, 401 without secret', async ({ app, db }) => {
    const study = await insertStudy(db);
    const bad = await app.request(`/api/v1/studies/${study.id}/participants?status=lost`, { headers: asViewer });
    expect(((await bad.json()) as ErrorJson).error.fields?.[0]?.field).toBe('status');
    expect((await app.request('/api/v1/studies/4000000000/participants', { headers: asViewer })).status).toBe(404);
    expect((await app.request(`/api/v1/studies/${study.id}/participants`, { headers: withoutSecret })).status).toBe(
      401
    );
  });
});

describe('GET and PATCH /api/v1/participants/:id', () => {
  test('renames within the study, audited as a rename; 409 on a clash', async ({ app, db }) => {
    const study = await insertStudy(db);
    const p = await insertParticipant(db, study.id, { label: 'old_label' });
    await insertParticipant(db, study.id, { label: 'other' });
    const url = `/api/v1/participants/${p.id}`;

    const clash = await app.request(url, { method: 'PATCH', headers: asAdmin, body: jsonBody({ label: 'other' }) });
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as ErrorJson).error.message).toContain('"other"');

    const res = await app.request(url, { method: 'PATCH', headers: asAdmin, body: jsonBody({ label: 'new_label' }) });
    expect(res.status).toBe(200);
    expect(((await (await app.request(url, { headers: asViewer })).json()) as ParticipantJson).label).toBe('new_label');
    const audits = await auditRowsFor(db, 'participant', p.id);
    expect(
      audits.map((a) => [a.action, (a.before as ParticipantJson).label, (a.after as ParticipantJson).label])
    ).toEqual([['participant.rename', 'old_label', 'new_label']]);
  });

  test('the same label may exist in another study', async ({ app, db }) => {
    const [s1, s2] = [await insertStudy(db), await insertStudy(db)];
    await insertParticipant(db, s1.id, { label: 'patient_1' });
    const p = await insertParticipant(db, s2.id, { label: 'patient_2' });
    const res = await app.request(`/api/v1/participants/${p.id}`, {
      method: 'PATCH',
      headers: asAdmin,
      body: jsonBody({ label: 'patient_1' }),
    });
    expect(res.status).toBe(200);
  });

  test('400, 403, 401 and 404 as expected, and nothing audited', async ({ app, db }) => {
    const study = await insertStudy(db);
    const p = await insertParticipant(db, study.id);
    const url = `/api/v1/participants/${p.id}`;
    const bad = await app.request(url, { method: 'PATCH', headers: asAdmin, body: jsonBody({ label: '' }) });
    expect(((await bad.json()) as ErrorJson).error.fields?.[0]?.field).toBe('label');
    expect(
      (await app.request(url, { method: 'PATCH', headers: asViewer, body: jsonBody({ status: 'paused' }) })).status
    ).toBe(403);
    expect(
      (await app.request(url, { method: 'PATCH', headers: withoutSecret, body: jsonBody({ status: 'paused' }) })).status
    ).toBe(401);
    expect((await app.request(url, { headers: withoutSecret })).status).toBe(401);
    expect((await app.request('/api/v1/participants/4000000000', { headers: asViewer })).status).toBe(404);
    expect(await auditRowsFor(db, 'participant', p.id)).toHaveLength(0);
  });
});

describe('DELETE, restore (undo) and the window', () => {
  test('delete then undo brings the participant back unchanged', async ({ app, db, clock }) => {
    const study = await insertStudy(db);
    const p = await insertParticipant(db, study.id, { label: 'undo_me', status: 'paused' });
    const url = `/api/v1/participants/${p.id}`;
    const del = await app.request(url, { method: 'DELETE', headers: asAdmin });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ deletedAt: clock().toISOString() });
    clock.advance(60_000);
    const undo = await app.request(`${url}/restore`, { method: 'POST', headers: asAdmin });
    expect(undo.status).toBe(200);
    expect(await undo.json()).toMatchObject({
      label: 'undo_me',
      status: 'paused',
      deletedAt: null,
      restorableUntil: null,
    });
    expect((await auditRowsFor(db, 'participant', p.id)).map((a) => a.action)).toEqual([
      'participant.delete',
      'participant.restore',
    ]);
  });

  test('a restore clashes if the label was reused meanwhile; past the window it is refused', async ({
    app,
    db,
    clock,
  }) => {
    const study = await insertStudy(db);
    const p = await insertParticipant(db, study.id, { label: 'reused' });
    await app.request(`/api/v1/participants/${p.id}`, { method: 'DELETE', headers: asAdmin });
    const twin = await insertParticipant(db, study.id, { label: 'reused' });
    expect(
      (await app.request(`/api/v1/participants/${p.id}/restore`, { method: 'POST', headers: asAdmin })).status
    ).toBe(409);
    await db('participants').where({ id: twin.id }).delete();
    clock.advance(30 * 86_400_000 + 1);
    const late = await app.request(`/api/v1/participants/${p.id}/restore`, { method: 'POST', headers: asAdmin });
    expect(late.status).toBe(409);
  });

  test('403 for a Viewer, 401 without secret, 404 unknown', async ({ app, db }) => {
    const study = await insertStudy(db);
    const p = await insertParticipant(db, study.id);
    const url = `/api/v1/participants/${p.id}`;
    expect((await app.request(url, { method: 'DELETE', headers: asViewer })).status).toBe(403);
    expect((await app.request(url, { method: 'DELETE', headers: withoutSecret })).status).toBe(401);
    expect((await app.request(`${url}/restore`, { method: 'POST', headers: asViewer })).status).toBe(403);
    expect((await app.request('/api/v1/participants/4000000000', { method: 'DELETE', headers: asAdmin })).status).toBe(
      404
    );
    expect(await db('participants').where({ id: p.id }).whereNull('deleted_at').count({ n: '*' })).toEqual([{ n: 1 }]);
  });
});
