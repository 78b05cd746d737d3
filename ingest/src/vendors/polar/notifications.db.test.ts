import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asAdmin, asViewer } from '../../test/fixtures.ts';
import { planPulls } from '../../wearables/planner.ts';
import { POLAR_EVENTS } from './notifications.ts';
import { notificationsHarness } from '../testing.ts';

/**
 * Polar's webhook end to end over real HTTP: an admin has Vigil create the client's one webhook
 * (Polar pings the URL first), the simulator delivers signed notifications as Polar does, and only an
 * authentic, new, recent one about a connected user enqueues a pull.
 */
describe('Polar webhook notifications', () => {
  const h = notificationsHarness('polar');

  const ensure = () =>
    fetch(`${h.wearables.url}/api/v1/wearables/notifications/polar/webhook`, { method: 'POST', headers: asAdmin });
  const connectedUser = async () => {
    const { connectionId } = await h.wearables.connected('polar');
    const row = (await h.db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
      external_user_id: string;
    };
    return { connectionId, userId: Number(row.external_user_id) };
  };
  const sleepEvent = (userId: number, date = '2026-11-20') => ({
    event: 'SLEEP',
    user_id: userId,
    date,
    url: `https://www.polaraccesslink.com/v3/users/sleep/${date}`,
  });

  it('creates the one webhook after answering Polar’s PING, and keeps it when asked again', async () => {
    const first = await ensure();
    expect(first.status).toBe(201);
    const hook = h.wearables.polar.webhooks.current();
    expect(hook).toMatchObject({ url: `${h.wearables.url}/oauth/notify/polar`, active: true });
    expect([...(hook?.events ?? [])].sort()).toEqual([...POLAR_EVENTS].sort());
    expect(await first.json()).toMatchObject({ id: hook?.id, created: true });

    const again = await ensure();
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: hook?.id, created: false });
    expect(h.wearables.polar.count('webhook:create')).toBe(1);
  });

  it('re-activates a webhook Polar deactivated', async () => {
    await ensure();
    const basic = Buffer.from(`${h.wearables.polar.clientId}:${h.wearables.polar.clientSecret}`).toString('base64');
    await fetch(`${h.wearables.polar.url}/v3/webhooks/deactivate`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}` },
    });
    expect(h.wearables.polar.webhooks.current()?.active).toBe(false);
    expect((await ensure()).status).toBe(200);
    expect(h.wearables.polar.webhooks.current()?.active).toBe(true);
  });

  it('enqueues one pull for a signed notification, and nothing for the same delivery again', async () => {
    await ensure();
    const { connectionId, userId } = await connectedUser();
    expect(await h.wearables.polar.webhooks.notify(sleepEvent(userId))).toBe(200);
    expect(await h.jobsOf(connectionId)).toEqual([
      { kind: 'notification', state: 'queued', requested_by: 'notification:polar' },
    ]);

    const body = JSON.stringify({ ...sleepEvent(userId, '2026-11-19'), timestamp: '2026-11-21T08:59:00Z' });
    const secret = h.wearables.polar.webhooks.current()!.secret;
    const signature = h.wearables.polar.webhooks.sign(secret, body);
    expect(await h.wearables.polar.webhooks.send(body, signature)).toBe(200);
    expect(await h.wearables.polar.webhooks.send(body, signature)).toBe(200);
    expect(await h.jobsOf(connectionId)).toHaveLength(1);
    expect(h.wearables.logs()).toContain('"outcome":"replayed"');
    const [{ n }] = (await h.db('wearable_notifications').where({ connection_id: connectionId }).count({ n: '*' })) as [
      { n: number },
    ];
    expect(Number(n)).toBe(2);
  });

  it('takes the signature as base64 too', async () => {
    await ensure();
    const { connectionId, userId } = await connectedUser();
    const body = JSON.stringify({ ...sleepEvent(userId), timestamp: '2026-11-21T08:30:00Z' });
    const mac = createHmac('sha256', h.wearables.polar.webhooks.current()!.secret).update(body).digest('base64');
    expect(await h.wearables.polar.webhooks.send(body, mac)).toBe(200);
    expect(await h.jobsOf(connectionId)).toHaveLength(1);
  });

  it('refuses forged and unsigned notifications (401), drops unknown users and stale ones, enqueuing nothing', async () => {
    await ensure();
    const { connectionId, userId } = await connectedUser();
    const body = JSON.stringify({ ...sleepEvent(userId), timestamp: '2026-11-21T08:00:00Z' });
    expect(await h.wearables.polar.webhooks.send(body, h.wearables.polar.webhooks.sign('not-the-secret', body))).toBe(
      401
    );
    expect(await h.wearables.polar.webhooks.send(body, null)).toBe(401);
    expect(await h.wearables.polar.webhooks.notify(sleepEvent(987_654_321))).toBe(200);
    expect(h.wearables.logs()).toMatch(/"outcome":"unknown_user".*vendor notification dropped/);
    const old = JSON.stringify({ ...sleepEvent(userId), timestamp: '2026-11-01T08:00:00Z' });
    const secret = h.wearables.polar.webhooks.current()!.secret;
    expect(await h.wearables.polar.webhooks.send(old, h.wearables.polar.webhooks.sign(secret, old))).toBe(200);
    expect(h.wearables.logs()).toContain('"outcome":"stale"');
    expect(await h.jobsOf(connectionId)).toEqual([]);
  });

  it('answers a signed notification without a user id 400, naming the field', async () => {
    await ensure();
    const body = JSON.stringify({ event: 'SLEEP', timestamp: '2026-11-21T08:00:00Z', date: '2026-11-20' });
    const res = await fetch(`${h.wearables.url}/oauth/notify/polar`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'polar-webhook-signature': h.wearables.polar.webhooks.sign(h.wearables.polar.webhooks.current()!.secret, body),
      },
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_INPUT', fields: [{ field: 'user_id' }] } });
  });

  it('polls connections less often while the webhook is active', async () => {
    await ensure();
    const { connectionId } = await connectedUser();
    const now = h.clock();
    await h.db('wearable_sync_state').insert({
      connection_id: connectionId,
      last_pull_at: new Date(now.getTime() - 4 * 3600_000),
      // Without the webhook, Polar's pull notifications are what names the connection.
      listed_at: new Date(now.getTime() - 3600_000),
      daily_pulled_at: now,
      updated_at: now,
    });
    const settings = h.wearables.config.wearablePulls;
    await planPulls(h.db, now, settings);
    expect(await h.jobsOf(connectionId)).toEqual([]);
    await planPulls(h.db, now, { ...settings, notifications: { ...settings.notifications, enabled: false } });
    expect((await h.jobsOf(connectionId)).map((j) => j.kind)).toEqual(['incremental']);
  });

  it('lets only admins set up the webhook', async () => {
    const url = `${h.wearables.url}/api/v1/wearables/notifications/polar/webhook`;
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: asViewer })).status).toBe(403);
  });
});
