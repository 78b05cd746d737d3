import { describe, expect, it } from 'vitest';
import { saveStudyMeasurements } from '../../study-measurements/store.ts';
import { insertParticipant, insertStudy } from '../../test/factories.ts';
import { asAdmin } from '../../test/fixtures.ts';
import { planPulls } from '../../wearables/planner.ts';
import { WITHINGS_APPLIS } from './notifications.ts';
import { notificationsHarness } from '../testing.ts';

/**
 * Withings notify end to end over real HTTP: the ingest subscribes a user on connect, the simulator
 * calls the registered callback URL as Withings does, and only an authentic, new notification about
 * a connected user enqueues a pull.
 */
describe('Withings notifications', () => {
  const h = notificationsHarness('withings');

  const userOf = async (connectionId: number) =>
    (
      (await h.db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
        external_user_id: string;
      }
    ).external_user_id;
  const callbackUrl = async () =>
    ((await h.db('wearable_notify_subscriptions').first('callback_url')) as { callback_url: string }).callback_url;
  const post = (url: string, form: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  it('subscribes every category the pulls read on connect, at a callback URL under /oauth/', async () => {
    const { connectionId } = await h.wearables.connected('withings');
    const subs = h.wearables.withings.notifications.subscriptions(await userOf(connectionId));
    const url = await callbackUrl();
    expect(url).toMatch(new RegExp(`^${h.wearables.url}/oauth/notify/withings/[A-Za-z0-9_-]{43}$`));
    expect(subs.map((s) => s.appli).sort((a, b) => a - b)).toEqual([...WITHINGS_APPLIS].sort((a, b) => a - b));
    expect(new Set(subs.map((s) => s.callbackurl))).toEqual(new Set([url]));
    expect(h.wearables.withings.count('notify:list')).toBeGreaterThanOrEqual(1);
  });

  it('subscribes only the categories the study’s measurements were granted for', async () => {
    const study = await insertStudy(h.db);
    await saveStudyMeasurements(h.db, study.id, ['blood_pressure', 'workouts'], h.clock());
    const participant = await insertParticipant(h.db, study.id);
    expect((await h.wearables.connect(participant.id, 'withings')).status).toBe(200);
    const { id, external_user_id: user } = (await h
      .db('device_connections')
      .where({ participant_id: participant.id })
      .first('id', 'external_user_id')) as { id: number; external_user_id: string };
    const subs = h.wearables.withings.notifications.subscriptions(user);
    // Blood pressure needs user.metrics (weight, temperature and blood pressure); workouts user.activity; no sleep.
    expect(subs.map((s) => s.appli).sort((a, b) => a - b)).toEqual([1, 2, 4, 16]);
    expect(await h.db('wearable_notify_subscriptions').where({ connection_id: id }).first('applis')).toEqual({
      applis: '1,2,4,16',
    });
  });

  it('answers the HEAD and GET a URL check may send, and refuses them at a URL it never gave', async () => {
    await h.wearables.connected('withings');
    const url = await callbackUrl();
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(`${h.wearables.url}/oauth/notify/withings/not-the-secret`)).status).toBe(403);
  });

  it('enqueues one pull for a notification, within 2 s, and nothing for the same one again', async () => {
    const { connectionId } = await h.wearables.connected('withings');
    const userId = await userOf(connectionId);
    const fields = { startdate: '1763683200', enddate: '1763712000' };
    const [delivery] = await h.wearables.withings.notifications.notify(userId, 1, fields);
    expect(delivery?.status).toBe(200);
    expect(delivery?.ms).toBeLessThan(2000);
    expect(await h.jobsOf(connectionId)).toEqual([
      { kind: 'notification', state: 'queued', requested_by: 'notification:withings' },
    ]);

    const [replayed] = await h.wearables.withings.notifications.notify(userId, 1, fields);
    expect(replayed?.status).toBe(200);
    // Another change while the pull still waits widens that pull rather than adding one.
    await h.wearables.withings.notifications.notify(userId, 16, { date: '2026-11-21' });
    expect(await h.jobsOf(connectionId)).toHaveLength(1);
    expect(h.wearables.logs()).toContain('"outcome":"replayed"');
  });

  it('refuses forged and unsigned notifications and drops those about unknown users, enqueuing nothing', async () => {
    const { connectionId } = await h.wearables.connected('withings');
    const userid = await userOf(connectionId);
    const url = await callbackUrl();
    const forged = await post(`${h.wearables.url}/oauth/notify/withings/${'A'.repeat(43)}`, { userid, appli: '1' });
    expect(forged.status).toBe(403);
    expect((await post(`${h.wearables.url}/oauth/notify/withings`, { userid, appli: '1' })).status).toBe(404);
    const unknown = await post(url, { userid: '999999999999', appli: '1', startdate: '1', enddate: '2' });
    expect(unknown.status).toBe(200);
    expect(h.wearables.logs()).toMatch(/"outcome":"unknown_user".*vendor notification dropped/);
    expect(await h.jobsOf(connectionId)).toEqual([]);
  });

  it('answers a notification without a user id 400, naming the field', async () => {
    await h.wearables.connected('withings');
    const res = await post(await callbackUrl(), { appli: '1' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'INVALID_INPUT', fields: [{ field: 'userid', message: expect.any(String) as string }] },
    });
  });

  it('unsubscribes on disconnect, so Withings calls nothing any more', async () => {
    const { connectionId } = await h.wearables.connected('withings');
    const userId = await userOf(connectionId);
    const res = await fetch(`${h.wearables.url}/api/v1/connections/${connectionId}/disconnect`, {
      method: 'POST',
      headers: asAdmin,
    });
    expect(res.status).toBe(200);
    expect(h.wearables.withings.notifications.subscriptions(userId)).toEqual([]);
    expect(h.wearables.withings.count('notify:revoke')).toBeGreaterThanOrEqual(WITHINGS_APPLIS.length);
    expect(await h.db('wearable_notify_subscriptions').where({ connection_id: connectionId })).toEqual([]);
    expect(await h.wearables.withings.notifications.notify(userId, 1)).toEqual([]);
  });

  it('polls a subscribed connection every VIGIL_WEARABLES_NOTIFIED_INCREMENTAL_MINUTES instead', async () => {
    const { connectionId } = await h.wearables.connected('withings');
    const now = h.clock();
    // Past Withings' 180-minute minimum, short of the 360 minutes between polls while subscribed.
    const threeHoursAgo = new Date(now.getTime() - 3 * 3600_000);
    await h.db('wearable_sync_state').insert({
      connection_id: connectionId,
      last_pull_at: threeHoursAgo,
      daily_pulled_at: now,
      updated_at: now,
    });
    const settings = h.wearables.config.wearablePulls;
    const incremental = async (s: typeof settings) => {
      await planPulls(h.db, now, s);
      return (await h.jobsOf(connectionId)).filter((j) => j.kind === 'incremental').length;
    };
    expect(await incremental(settings)).toBe(0);
    expect(await incremental({ ...settings, notifications: { ...settings.notifications, enabled: false } })).toBe(1);
  });
});
