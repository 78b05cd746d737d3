import { describe, expect, it } from 'vitest';
import { asAdmin, asViewer, jsonBody } from '../../test/fixtures.ts';
import { GOOGLE_DATA_TYPES } from './notifications.ts';
import { notificationsHarness } from '../testing.ts';

/**
 * Google Health webhooks end to end over real HTTP: an admin has Vigil create the project's
 * subscriber (Google runs the verification handshake against the endpoint), the simulator delivers
 * notifications as Google does, and only authorised, new ones about a connected user enqueue a pull.
 */
describe('Google Health webhook notifications', () => {
  const h = notificationsHarness('google');
  const project = '123456789012';

  const ensure = (body: unknown = { projectNumber: project, accessToken: h.wearables.fitbit.webhooks.adminToken }) =>
    fetch(`${h.wearables.url}/api/v1/wearables/notifications/fitbit/subscriber`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody(body),
    });
  const connectedUser = async () => {
    const { connectionId } = await h.wearables.connected('fitbit');
    const row = (await h.db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
      external_user_id: string;
    };
    return { connectionId, userId: row.external_user_id };
  };
  const secret = () => h.wearables.fitbit.webhooks.subscribers()[0]!.secret;
  const interval = { startTime: '2026-11-21T07:29:00Z', endTime: '2026-11-21T07:34:00Z' };
  const endpoint = () => `${h.wearables.url}/oauth/notify/fitbit`;

  it('creates the subscriber through the verification handshake, and renews it when asked again', async () => {
    const created = await ensure();
    expect(created.status).toBe(201);
    const [subscriber] = h.wearables.fitbit.webhooks.subscribers();
    expect(subscriber).toMatchObject({
      name: `projects/${project}/subscribers/vigil-notifications`,
      endpointUri: endpoint(),
      state: 'ACTIVE',
      subscriberConfigs: [{ dataTypes: [...GOOGLE_DATA_TYPES], subscriptionCreatePolicy: 'AUTOMATIC' }],
    });
    const oldSecret = secret();

    const renewed = await ensure();
    expect(renewed.status).toBe(200);
    expect(await renewed.json()).toMatchObject({ created: false, state: 'ACTIVE' });
    expect(secret()).not.toBe(oldSecret);
    const verification = JSON.stringify({ type: 'verification' });
    const post = (authorization?: string) =>
      fetch(endpoint(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: verification,
      });
    expect((await post(secret())).status).toBe(201);
    expect((await post()).status).toBe(401);
    expect((await post(oldSecret)).status).toBe(401);
  });

  it('refuses a project id for a number (400) and reports a token Google refuses', async () => {
    const bad = await ensure({ projectNumber: 'my-project', accessToken: h.wearables.fitbit.webhooks.adminToken });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { fields: [{ field: 'projectNumber' }] } });
    const channel = async () =>
      (await h.db('wearable_notify_channels').where({ provider: 'fitbit' }).select()) as Record<string, unknown>[];
    const before = await channel();
    const refused = await ensure({ projectNumber: project, accessToken: 'ya29.not-a-cloud-platform-token' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toMatch(/accessToken.*Google refused it \(HTTP 401: UNAUTHENTICATED/);
    // What was set up stands (the secret is sealed again, so its bytes differ).
    const kept = (rows: Record<string, unknown>[]) => rows.map(({ updated_at: _, secret_sealed: __, ...r }) => r);
    expect(kept(await channel())).toEqual(kept(before));
  });

  it('lets only admins set up the subscriber', async () => {
    const url = `${h.wearables.url}/api/v1/wearables/notifications/fitbit/subscriber`;
    const body = jsonBody({ projectNumber: project, accessToken: h.wearables.fitbit.webhooks.adminToken });
    expect((await fetch(url, { method: 'POST', body })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: asViewer, body })).status).toBe(403);
  });

  it('enqueues one pull for a notification, and nothing for the same one again', async () => {
    await ensure();
    const { connectionId, userId } = await connectedUser();
    expect(await h.wearables.fitbit.webhooks.notify(userId, 'steps', interval)).toEqual([204]);
    expect(await h.jobsOf(connectionId)).toEqual([
      { kind: 'notification', state: 'queued', requested_by: 'notification:fitbit' },
    ]);
    const body = JSON.stringify([
      { data: { version: '1', healthUserId: userId, operation: 'UPSERT', dataType: 'sleep', intervals: [] } },
    ]);
    expect(await h.wearables.fitbit.webhooks.send(body, secret())).toBe(204);
    expect(await h.wearables.fitbit.webhooks.send(body, secret())).toBe(204);
    expect(await h.jobsOf(connectionId)).toHaveLength(1);
    expect(h.wearables.logs()).toContain('"outcome":"replayed"');
  });

  it('refuses notifications without the secret or the signature (401), drops unknown users, enqueuing nothing', async () => {
    await ensure();
    const { connectionId, userId } = await connectedUser();
    const body = JSON.stringify([{ data: { healthUserId: userId, dataType: 'steps', operation: 'UPSERT' } }]);
    expect(await h.wearables.fitbit.webhooks.send(body, 'Bearer forged')).toBe(401);
    expect(await h.wearables.fitbit.webhooks.send(body, null)).toBe(401);
    // The secret alone is not enough: Google signs every delivery.
    expect(await h.wearables.fitbit.webhooks.send(body, secret(), false)).toBe(401);
    const tampered = await fetch(endpoint(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: secret(),
        'x-healthapi-signature': Buffer.concat([Buffer.from([1]), Buffer.alloc(74, 7)]).toString('base64'),
      },
      body,
    });
    expect(tampered.status).toBe(401);
    const unknown = JSON.stringify([{ data: { healthUserId: 'hu-nobody', dataType: 'steps', operation: 'UPSERT' } }]);
    expect(await h.wearables.fitbit.webhooks.send(unknown, secret())).toBe(204);
    expect(h.wearables.logs()).toMatch(/"outcome":"unknown_user".*vendor notification dropped/);
    expect(await h.jobsOf(connectionId)).toEqual([]);
  });

  it('answers an authorised body that is not a list of notifications 400', async () => {
    await ensure();
    expect(await h.wearables.fitbit.webhooks.send(JSON.stringify({ data: {} }), secret())).toBe(400);
    expect(await h.wearables.fitbit.webhooks.send(JSON.stringify([]), secret())).toBe(400);
  });
});
