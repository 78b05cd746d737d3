import { describe, expect } from 'vitest';
import { asAdmin, asViewer, grafanaHeaders, jsonBody, test, withoutSecret } from '../test/fixtures.ts';
import { auditRowsFor, buildStudy, insertStudy, uniqueName } from '../test/factories.ts';

type StudyJson = {
  id: number;
  name: string;
  timezone: string;
  deletedAt: string | null;
  restorableUntil: string | null;
};
type ErrorJson = { error: { code: string; message: string; fields?: { field: string; message: string }[] } };

describe('POST /api/v1/studies', () => {
  test('creates a study and audits who did it', async ({ app, db }) => {
    const input = buildStudy({ timezone: 'Europe/London' });
    const res = await app.request('/api/v1/studies', { method: 'POST', headers: asAdmin, body: jsonBody(input) });
    expect(res.status).toBe(201);
    const study = (await res.json()) as StudyJson;
    expect(study).toMatchObject({ name: input.name, timezone: 'Europe/London', deletedAt: null });

    const [audit] = await auditRowsFor(db, 'study', study.id);
    expect(audit).toMatchObject({
      action: 'study.create',
      actor: { login: 'ann', role: 'Admin', isServerAdmin: false },
      before: null,
      after: { name: input.name },
    });
  });

  test('400 names every bad field', async ({ app }) => {
    const res = await app.request('/api/v1/studies', {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ name: '', timezone: 'Mars/Olympus', colour: 'red' }),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorJson;
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.fields?.map((f) => f.field).sort()).toEqual(['colour', 'name', 'timezone']);
  });

  test('400 on malformed JSON', async ({ app }) => {
    const res = await app.request('/api/v1/studies', { method: 'POST', headers: asAdmin, body: '{"name":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.code).toBe('INVALID_INPUT');
  });

  test('400 for a body that is not UTF-8 or has an unpaired surrogate, where it was once silently replaced; nothing stored', async ({
    app,
    db,
  }) => {
    const name = uniqueName('Bytes');
    const bodies = [
      Buffer.concat([Buffer.from(`{"name":"${name} `), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      // An overlong encoding of "/": never valid UTF-8.
      Buffer.concat([Buffer.from(`{"name":"${name} `), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
      Buffer.from(`{"name":"${name} \\ud800"}`),
    ];
    for (const body of bodies) {
      const res = await app.request('/api/v1/studies', { method: 'POST', headers: asAdmin, body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorJson).error.fields?.[0]?.field).toBe('body');
    }
    expect(await db('studies').where('name', 'like', `${name}%`)).toHaveLength(0);
  });

  test('409 when a live study already has the name', async ({ app, db }) => {
    const existing = await insertStudy(db);
    const res = await app.request('/api/v1/studies', {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ name: existing.name }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as ErrorJson).error.message).toContain(existing.name);
  });

  test('401 without the shared secret, 403 for a Viewer or Editor, and nothing is written', async ({ app, db }) => {
    const name = uniqueName('Forbidden');
    const body = jsonBody({ name });
    expect((await app.request('/api/v1/studies', { method: 'POST', headers: withoutSecret, body })).status).toBe(401);
    expect((await app.request('/api/v1/studies', { method: 'POST', headers: asViewer, body })).status).toBe(403);
    expect(
      (await app.request('/api/v1/studies', { method: 'POST', headers: grafanaHeaders('Editor'), body })).status
    ).toBe(403);
    expect(await db('studies').where({ name })).toHaveLength(0);
  });

  test('a Grafana server admin may change things whatever their org role', async ({ app }) => {
    const headers = grafanaHeaders('Viewer', 'root', { IsGrafanaAdmin: true });
    const res = await app.request('/api/v1/studies', { method: 'POST', headers, body: jsonBody(buildStudy()) });
    expect(res.status).toBe(201);
  });
});

describe('GET /api/v1/studies', () => {
  test('lists, searches and paginates for a Viewer', async ({ app, db }) => {
    const tag = uniqueName('Paged').replace(' ', '');
    for (const n of [1, 2, 3]) await insertStudy(db, { name: `${tag} ${n}` });
    const res = await app.request(`/api/v1/studies?q=${encodeURIComponent(tag)}&limit=2&offset=1`, {
      headers: asViewer,
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: StudyJson[]; total: number; limit: number; offset: number };
    expect(page.total).toBe(3);
    expect(page.items.map((s) => s.name)).toEqual([`${tag} 2`, `${tag} 3`]);
  });

  test('treats LIKE wildcards in the search as text', async ({ app, db }) => {
    const tag = uniqueName('Pct').replace(' ', '');
    await insertStudy(db, { name: `${tag} 100%` });
    await insertStudy(db, { name: `${tag} 1000` });
    const res = await app.request(`/api/v1/studies?q=${encodeURIComponent(`${tag} 100%`)}`, { headers: asViewer });
    expect(((await res.json()) as { items: StudyJson[] }).items.map((s) => s.name)).toEqual([`${tag} 100%`]);
  });

  test('400 for a bad limit, naming it', async ({ app }) => {
    const res = await app.request('/api/v1/studies?limit=1000', { headers: asViewer });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.fields?.[0]?.field).toBe('limit');
  });

  test('401 without the secret, 401 without a Grafana user, 403 for a user without a role', async ({ app }) => {
    expect((await app.request('/api/v1/studies', { headers: withoutSecret })).status).toBe(401);
    const noContext = { 'x-vigil-secret': asViewer['x-vigil-secret'] };
    expect((await app.request('/api/v1/studies', { headers: noContext })).status).toBe(401);
    expect((await app.request('/api/v1/studies', { headers: grafanaHeaders('None') })).status).toBe(403);
  });
});

describe('GET /api/v1/studies/:id', () => {
  test('returns the study, 404 for an unknown one, 400 for a non-numeric id', async ({ app, db }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}`, { headers: asViewer });
    expect(res.status).toBe(200);
    expect(((await res.json()) as StudyJson).name).toBe(study.name);
    expect((await app.request('/api/v1/studies/4000000000', { headers: asViewer })).status).toBe(404);
    const bad = await app.request('/api/v1/studies/abc', { headers: asViewer });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorJson).error.fields?.[0]?.field).toBe('id');
    expect((await app.request(`/api/v1/studies/${study.id}`, { headers: withoutSecret })).status).toBe(401);
  });
});

describe('PATCH /api/v1/studies/:id', () => {
  test('updates, audits before and after', async ({ app, db }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}`, {
      method: 'PATCH',
      headers: asAdmin,
      body: jsonBody({ description: 'new words', timezone: 'America/New_York' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ description: 'new words', timezone: 'America/New_York' });
    const [audit] = await auditRowsFor(db, 'study', study.id);
    expect(audit?.action).toBe('study.update');
    expect(audit?.before).toMatchObject({ timezone: 'UTC' });
    expect(audit?.after).toMatchObject({ timezone: 'America/New_York' });
  });

  test('400 for an empty patch or a bad field; 403 for a Viewer; 401 without secret', async ({ app, db }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}`;
    expect((await app.request(url, { method: 'PATCH', headers: asAdmin, body: '{}' })).status).toBe(400);
    const bad = await app.request(url, {
      method: 'PATCH',
      headers: asAdmin,
      body: jsonBody({ name: 'x'.repeat(201) }),
    });
    expect(((await bad.json()) as ErrorJson).error.fields?.[0]?.field).toBe('name');
    expect((await app.request(url, { method: 'PATCH', headers: asViewer, body: jsonBody({ name: 'x' }) })).status).toBe(
      403
    );
    expect(
      (await app.request(url, { method: 'PATCH', headers: withoutSecret, body: jsonBody({ name: 'x' }) })).status
    ).toBe(401);
    expect(await auditRowsFor(db, 'study', study.id)).toHaveLength(0);
  });
});

describe('DELETE and restore', () => {
  test('soft-deletes with a restore deadline, restores within it, frees and re-checks the name', async ({
    app,
    db,
    clock,
  }) => {
    const study = await insertStudy(db);
    const del = await app.request(`/api/v1/studies/${study.id}`, { method: 'DELETE', headers: asAdmin });
    expect(del.status).toBe(200);
    const deleted = (await del.json()) as StudyJson;
    expect(deleted.deletedAt).toBe(clock().toISOString());
    expect(deleted.restorableUntil).toBe(new Date(clock().getTime() + 30 * 86_400_000).toISOString());

    // The name is free while the study is in the trash; restoring then clashes.
    const twin = await app.request('/api/v1/studies', {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ name: study.name }),
    });
    expect(twin.status).toBe(201);
    const clash = await app.request(`/api/v1/studies/${study.id}/restore`, { method: 'POST', headers: asAdmin });
    expect(clash.status).toBe(409);
    await app.request(`/api/v1/studies/${((await twin.json()) as StudyJson).id}`, {
      method: 'DELETE',
      headers: asAdmin,
    });

    clock.advance(29 * 86_400_000);
    const restored = await app.request(`/api/v1/studies/${study.id}/restore`, { method: 'POST', headers: asAdmin });
    expect(restored.status).toBe(200);
    expect(((await restored.json()) as StudyJson).deletedAt).toBeNull();
    expect((await auditRowsFor(db, 'study', study.id)).map((r) => r.action)).toEqual(['study.delete', 'study.restore']);
  });

  test('409 restoring after the window, deleting twice, or restoring a live study', async ({ app, db, clock }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}`;
    expect((await app.request(`${url}/restore`, { method: 'POST', headers: asAdmin })).status).toBe(409);
    expect((await app.request(url, { method: 'DELETE', headers: asAdmin })).status).toBe(200);
    expect((await app.request(url, { method: 'DELETE', headers: asAdmin })).status).toBe(409);
    clock.advance(30 * 86_400_000);
    const late = await app.request(`${url}/restore`, { method: 'POST', headers: asAdmin });
    expect(late.status).toBe(409);
    expect(((await late.json()) as ErrorJson).error.message).toContain('can no longer be restored');
  });

  test('403 for a Viewer, 401 without secret, 404 for unknown, and only the trash lists it', async ({ app, db }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}`;
    expect((await app.request(url, { method: 'DELETE', headers: asViewer })).status).toBe(403);
    expect((await app.request(url, { method: 'DELETE', headers: withoutSecret })).status).toBe(401);
    expect((await app.request('/api/v1/studies/4000000000', { method: 'DELETE', headers: asAdmin })).status).toBe(404);
    await app.request(url, { method: 'DELETE', headers: asAdmin });
    const q = encodeURIComponent(study.name);
    const live = (await (await app.request(`/api/v1/studies?q=${q}`, { headers: asViewer })).json()) as {
      total: number;
    };
    const trash = (await (await app.request(`/api/v1/studies?q=${q}&deleted=only`, { headers: asViewer })).json()) as {
      total: number;
    };
    expect([live.total, trash.total]).toEqual([0, 1]);
    expect((await app.request(`${url}/restore`, { method: 'POST', headers: asViewer })).status).toBe(403);
  });
});
