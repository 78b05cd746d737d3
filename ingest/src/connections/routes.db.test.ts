import { describe, expect } from 'vitest';
import { auditRowsFor, insertParticipant, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer, jsonBody, test as plainTest, withoutSecret } from '../test/fixtures.ts';
import { wearablesTest as test } from '../test/provider-simulators/harness.ts';

type ErrorJson = { error: { code: string; message: string; fields?: { field: string }[] } };
type ConnectionJson = { id: number; participantId: number; participantLabel: string; provider: string; status: string };

const fieldsOf = async (res: Response) => ((await res.json()) as ErrorJson).error.fields?.map((f) => f.field);

describe('POST /api/v1/participants/:id/connect-links', () => {
  test('creates a link on the public URL, expiring in 7 days, audited without the token', async ({
    wearables,
    db,
    clock,
  }) => {
    const study = await insertStudy(db);
    const p = await insertParticipant(db, study.id);
    const res = await fetch(`${wearables.url}/api/v1/participants/${p.id}/connect-links`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ provider: 'withings' }),
    });
    expect(res.status).toBe(201);
    const link = (await res.json()) as { id: number; url: string; expiresAt: string; provider: string };
    expect(link.url).toMatch(new RegExp(`^${wearables.url}/connect/start\\?link=[A-Za-z0-9_-]{43}$`));
    expect(link).toMatchObject({
      provider: 'withings',
      expiresAt: new Date(clock().getTime() + 7 * 86_400_000).toISOString(),
    });
    const [audit] = await auditRowsFor(db, 'participant', p.id);
    expect(audit).toMatchObject({ action: 'connect-link.create', actor: { login: 'ann' }, after: { linkId: link.id } });
    expect(JSON.stringify(audit)).not.toContain(new URL(link.url).searchParams.get('link'));

    const listed = await fetch(`${wearables.url}/api/v1/participants/${p.id}/connect-links`, { headers: asViewer });
    const { items } = (await listed.json()) as { items: Record<string, unknown>[] };
    expect(items).toEqual([expect.objectContaining({ id: link.id, state: 'pending', createdBy: 'ann' })]);
    expect(JSON.stringify(items)).not.toContain('link=');
  });

  test('400 naming the field, 401 without secret, 403 for a Viewer, 404 unknown participant', async ({
    wearables,
    db,
  }) => {
    const p = await insertParticipant(db, (await insertStudy(db)).id);
    const url = `${wearables.url}/api/v1/participants/${p.id}/connect-links`;
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(url, { method: 'POST', headers, body: jsonBody(body) });
    const unknown = await post(asAdmin, { provider: 'garmin' });
    expect(unknown.status).toBe(400);
    expect(await fieldsOf(unknown)).toEqual(['provider']);
    expect(await fieldsOf(await post(asAdmin, {}))).toEqual(['provider']);
    expect(await fieldsOf(await post(asAdmin, { provider: 'polar', extra: 1 }))).toEqual(['extra']);
    expect((await post(withoutSecret, { provider: 'polar' })).status).toBe(401);
    expect((await post(asViewer, { provider: 'polar' })).status).toBe(403);
    const missing = await fetch(`${wearables.url}/api/v1/participants/4000000000/connect-links`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ provider: 'polar' }),
    });
    expect(missing.status).toBe(404);
    expect(await db('connect_links').where({ participant_id: p.id })).toHaveLength(0);
  });
});

describe('a provider that is not configured', () => {
  plainTest('is listed as unavailable, and a link for it is a clear 409', async ({ app, db }) => {
    const providers = await app.request('/api/v1/providers', { headers: asViewer });
    expect(await providers.json()).toEqual({
      items: [
        { id: 'fitbit', displayName: 'Fitbit (Google Health)', available: false },
        { id: 'withings', displayName: 'Withings', available: false },
        { id: 'polar', displayName: 'Polar', available: false },
      ],
    });
    expect((await app.request('/api/v1/providers', { headers: withoutSecret })).status).toBe(401);
    const p = await insertParticipant(db, (await insertStudy(db)).id);
    const res = await app.request(`/api/v1/participants/${p.id}/connect-links`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ provider: 'polar' }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as ErrorJson).error.message).toContain('VIGIL_POLAR_CLIENT_ID');
  });
});

describe('GET connections', () => {
  test('lists by participant, study, provider and status; reads one; never shows tokens', async ({ wearables, db }) => {
    const { connectionId, participantId } = await wearables.connected('fitbit');
    const base = `${wearables.url}/api/v1`;
    const get = async (path: string) => fetch(`${base}${path}`, { headers: asViewer });
    const list = (await (await get(`/connections?participantId=${participantId}`)).json()) as {
      items: ConnectionJson[];
      total: number;
    };
    expect(list).toMatchObject({ total: 1, items: [{ id: connectionId, provider: 'fitbit', status: 'active' }] });
    const studyId = (await db('participants').where({ id: participantId }).first('study_id')) as { study_id: number };
    expect(
      ((await (await get(`/connections?studyId=${studyId.study_id}&status=active`)).json()) as { total: number }).total
    ).toBe(1);
    expect(
      ((await (await get(`/connections?studyId=${studyId.study_id}&provider=polar`)).json()) as { total: number }).total
    ).toBe(0);
    const one = await get(`/connections/${connectionId}`);
    expect(one.status).toBe(200);
    const text = await one.text();
    const sealed = (
      (await db('device_connections').where({ id: connectionId }).first('tokens_sealed')) as { tokens_sealed: string }
    ).tokens_sealed;
    expect(text).not.toContain(sealed.slice(0, 40));
    expect(text).not.toMatch(/token"\s*:/i);

    expect(await fieldsOf(await get('/connections?status=lost'))).toEqual(['status']);
    expect(await fieldsOf(await get('/connections/abc'))).toEqual(['id']);
    expect((await get('/connections/4000000000')).status).toBe(404);
    expect((await get('/participants/4000000000/connections')).status).toBe(404);
    expect((await fetch(`${base}/connections`, { headers: withoutSecret })).status).toBe(401);
    expect((await fetch(`${base}/connections/${connectionId}`, { headers: withoutSecret })).status).toBe(401);
    expect((await fetch(`${base}/participants/${participantId}/connections`, { headers: withoutSecret })).status).toBe(
      401
    );
  });
});

describe('when a consent ends', () => {
  test("a Polar connection shows its token's end, flagged within the warning window; a refreshing one never", async ({
    wearables,
    clock,
  }) => {
    const polar = await wearables.connected('polar');
    const fitbit = await wearables.connected('fitbit');
    const read = async (id: number) =>
      (await (
        await fetch(`${wearables.url}/api/v1/connections/${id}`, { headers: asViewer })
      ).json()) as ConnectionJson;
    const endsAt = new Date(clock().getTime() + 365 * 86_400_000).toISOString();
    expect(await read(polar.connectionId)).toMatchObject({ consentEndsAt: endsAt, expiresSoon: false });
    expect(await read(fitbit.connectionId)).toMatchObject({ consentEndsAt: null, expiresSoon: false });

    clock.advance(352 * 86_400_000);
    expect(await read(polar.connectionId)).toMatchObject({ consentEndsAt: endsAt, expiresSoon: true });
    expect(await read(fitbit.connectionId)).toMatchObject({ expiresSoon: false });
  });
});

describe('POST /api/v1/connections/:id/check', () => {
  test('a working connection answers ok; 401, 403 and 404 as expected', async ({ wearables }) => {
    const { connectionId } = await wearables.connected('polar');
    const url = (id: number | string) => `${wearables.url}/api/v1/connections/${id}/check`;
    const res = await fetch(url(connectionId), { method: 'POST', headers: asAdmin });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, connection: { status: 'active' } });
    expect(await fieldsOf(await fetch(url('x'), { method: 'POST', headers: asAdmin }))).toEqual(['id']);
    expect((await fetch(url(connectionId), { method: 'POST', headers: withoutSecret })).status).toBe(401);
    expect((await fetch(url(connectionId), { method: 'POST', headers: asViewer })).status).toBe(403);
    expect((await fetch(url(4_000_000_000), { method: 'POST', headers: asAdmin })).status).toBe(404);
  });
});

describe('moving and renaming', () => {
  test('moves a connection to another participant of the study, audited; the rename shows in the list', async ({
    wearables,
    db,
  }) => {
    const { connectionId, participantId } = await wearables.connected('withings');
    const from = (await db('participants').where({ id: participantId }).first()) as { study_id: number; label: string };
    const to = await insertParticipant(db, from.study_id, { label: 'right_patient' });
    const move = (headers: Record<string, string>, body: unknown) =>
      fetch(`${wearables.url}/api/v1/connections/${connectionId}/move`, {
        method: 'POST',
        headers,
        body: jsonBody(body),
      });

    expect(await fieldsOf(await move(asAdmin, { participantId: 'me' }))).toEqual(['participantId']);
    expect(await fieldsOf(await move(asAdmin, {}))).toEqual(['participantId']);
    expect((await move(withoutSecret, { participantId: to.id })).status).toBe(401);
    expect((await move(asViewer, { participantId: to.id })).status).toBe(403);
    expect((await move(asAdmin, { participantId: 4_000_000_000 })).status).toBe(404);
    const elsewhere = await insertParticipant(db, (await insertStudy(db)).id);
    expect((await move(asAdmin, { participantId: elsewhere.id })).status).toBe(409);

    const moved = await move(asAdmin, { participantId: to.id });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ id: connectionId, participantId: to.id });
    const audits = await auditRowsFor(db, 'connection', connectionId);
    expect(audits.at(-1)).toMatchObject({
      action: 'connection.move',
      before: { participantId, label: from.label },
      after: { participantId: to.id, label: 'right_patient' },
    });

    const renamed = await fetch(`${wearables.url}/api/v1/participants/${to.id}`, {
      method: 'PATCH',
      headers: asAdmin,
      body: jsonBody({ label: 'renamed_patient' }),
    });
    expect(renamed.status).toBe(200);
    const list = await fetch(`${wearables.url}/api/v1/participants/${to.id}/connections`, { headers: asViewer });
    expect(((await list.json()) as { items: ConnectionJson[] }).items).toMatchObject([
      { id: connectionId, participantLabel: 'renamed_patient' },
    ]);

    // The old participant can take a new connection; moving it back onto a live one clashes.
    expect((await wearables.connect(participantId, 'withings')).status).toBe(200);
    const back = await fetch(`${wearables.url}/api/v1/connections/${connectionId}/move`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ participantId }),
    });
    expect(back.status).toBe(409);
    expect(((await back.json()) as ErrorJson).error.message).toContain('already has a live withings connection');
  });
});
