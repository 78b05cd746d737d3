import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalArchiveStore } from '../../archive/local-store.ts';
import { saveStudyMeasurements } from '../../study-measurements/store.ts';
import { insertParticipant, insertStudy } from '../../test/factories.ts';
import { asAdmin, createTestClock, testVault } from '../../test/fixtures.ts';
import { startWearablesHarness, type WearablesHarness } from '../../test/provider-simulators/harness.ts';
import { createOwnDatabase } from '../../test/test-db.ts';
import { planPulls } from '../../wearables/planner.ts';
import { WITHINGS_APPLIS } from './notifications.ts';

/**
 * Withings notify end to end over real HTTP: the ingest subscribes a user on connect, the simulator
 * calls the registered callback URL as Withings does, and only an authentic, new notification about
 * a connected user enqueues a pull.
 */
describe('Withings notifications', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let wearables: WearablesHarness;
  const clock = createTestClock(new Date('2026-11-21T09:00:00Z'));
  beforeAll(async () => {
    own = await createOwnDatabase('vigil_own_notify_withings');
    wearables = await startWearablesHarness({
      db: own.db,
      clock,
      vault: testVault(),
      archiveStore: createLocalArchiveStore('/tmp/vigil-notify-withings-archive'),
      env: { VIGIL_WEARABLES_NOTIFICATIONS: 'true' },
    });
  });
  afterAll(async () => {
    await wearables.close();
    await own.drop();
  });
  beforeEach(() => clock.set(new Date('2026-11-21T09:00:00Z')));

  const userOf = async (connectionId: number) =>
    (
      (await own.db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
        external_user_id: string;
      }
    ).external_user_id;
  const jobsOf = async (connectionId: number) =>
    (await own
      .db('wearable_pull_jobs')
      .where({ connection_id: connectionId })
      .orderBy('id')
      .select('kind', 'state', 'requested_by')) as { kind: string; state: string; requested_by: string }[];
  const callbackUrl = async () =>
    ((await own.db('wearable_notify_subscriptions').first('callback_url')) as { callback_url: string }).callback_url;
  const post = (url: string, form: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  it('subscribes every category the pulls read on connect, at a callback URL under /oauth/', async () => {
    const { connectionId } = await wearables.connected('withings');
    const subs = wearables.withings.notifications.subscriptions(await userOf(connectionId));
    const url = await callbackUrl();
    expect(url).toMatch(new RegExp(`^${wearables.url}/oauth/notify/withings/[A-Za-z0-9_-]{43}$`));
    expect(subs.map((s) => s.appli).sort((a, b) => a - b)).toEqual([...WITHINGS_APPLIS].sort((a, b) => a - b));
    expect(new Set(subs.map((s) => s.callbackurl))).toEqual(new Set([url]));
    expect(wearables.withings.count('notify:list')).toBeGreaterThanOrEqual(1);
  });

  it('subscribes only the categories the study’s measurements were granted for', async () => {
    const study = await insertStudy(own.db);
    await saveStudyMeasurements(own.db, study.id, ['blood_pressure', 'workouts'], clock());
    const participant = await insertParticipant(own.db, study.id);
    expect((await wearables.connect(participant.id, 'withings')).status).toBe(200);
    const { id, external_user_id: user } = (await own
      .db('device_connections')
      .where({ participant_id: participant.id })
      .first('id', 'external_user_id')) as { id: number; external_user_id: string };
    const subs = wearables.withings.notifications.subscriptions(user);
    // Blood pressure needs user.metrics (weight, temperature and blood pressure); workouts user.activity; no sleep.
    expect(subs.map((s) => s.appli).sort((a, b) => a - b)).toEqual([1, 2, 4, 16]);
    expect(await own.db('wearable_notify_subscriptions').where({ connection_id: id }).first('applis')).toEqual({
      applis: '1,2,4,16',
    });
  });

  it('answers the HEAD and GET a URL check may send, and refuses them at a URL it never gave', async () => {
    await wearables.connected('withings');
    const url = await callbackUrl();
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(`${wearables.url}/oauth/notify/withings/not-the-secret`)).status).toBe(403);
  });

  it('enqueues one pull for a notification, within 2 s, and nothing for the same one again', async () => {
    const { connectionId } = await wearables.connected('withings');
    const userId = await userOf(connectionId);
    const fields = { startdate: '1763683200', enddate: '1763712000' };
    const [delivery] = await wearables.withings.notifications.notify(userId, 1, fields);
    expect(delivery?.status).toBe(200);
    expect(delivery?.ms).toBeLessThan(2000);
    expect(await jobsOf(connectionId)).toEqual([
      { kind: 'notification', state: 'queued', requested_by: 'notification:withings' },
    ]);

    const [replayed] = await wearables.withings.notifications.notify(userId, 1, fields);
    expect(replayed?.status).toBe(200);
    // Another change while the pull still waits widens that pull rather than adding one.
    await wearables.withings.notifications.notify(userId, 16, { date: '2026-11-21' });
    expect(await jobsOf(connectionId)).toHaveLength(1);
    expect(wearables.logs()).toContain('"outcome":"replayed"');
  });

  it('refuses forged and unsigned notifications and drops those about unknown users, enqueuing nothing', async () => {
    const { connectionId } = await wearables.connected('withings');
    const userid = await userOf(connectionId);
    const url = await callbackUrl();
    const forged = await post(`${wearables.url}/oauth/notify/withings/${'A'.repeat(43)}`, { userid, appli: '1' });
    expect(forged.status).toBe(403);
    expect((await post(`${wearables.url}/oauth/notify/withings`, { userid, appli: '1' })).status).toBe(404);
    const unknown = await post(url, { userid: '999999999999', appli: '1', startdate: '1', enddate: '2' });
    expect(unknown.status).toBe(200);
    expect(wearables.logs()).toMatch(/"outcome":"unknown_user".*vendor notification dropped/);
    expect(await jobsOf(connectionId)).toEqual([]);
  });

  it('answers a notification without a user id 400, naming the field', async () => {
    await wearables.connected('withings');
    const res = await post(await callbackUrl(), { appli: '1' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'INVALID_INPUT', fields: [{ field: 'userid', message: expect.any(String) as string }] },
    });
  });

  it('unsubscribes on disconnect, so Withings calls nothing any more', async () => {
    const { connectionId } = await wearables.connected('withings');
    const userId = await userOf(connectionId);
    const res = await fetch(`${wearables.url}/api/v1/connections/${connectionId}/disconnect`, {
      method: 'POST',
      headers: asAdmin,
    });
    expect(res.status).toBe(200);
    expect(wearables.withings.notifications.subscriptions(userId)).toEqual([]);
    expect(wearables.withings.count('notify:revoke')).toBeGreaterThanOrEqual(WITHINGS_APPLIS.length);
    expect(await own.db('wearable_notify_subscriptions').where({ connection_id: connectionId })).toEqual([]);
    expect(await wearables.withings.notifications.notify(userId, 1)).toEqual([]);
  });

  it('polls a subscribed connection every VIGIL_WEARABLES_NOTIFIED_INCREMENTAL_MINUTES instead', async () => {
    const { connectionId } = await wearables.connected('withings');
    const now = clock();
    // Past Withings' 180-minute minimum, short of the 360 minutes between polls while subscribed.
    const threeHoursAgo = new Date(now.getTime() - 3 * 3600_000);
    await own.db('wearable_sync_state').insert({
      connection_id: connectionId,
      last_pull_at: threeHoursAgo,
      daily_pulled_at: now,
      updated_at: now,
    });
    const settings = wearables.config.wearablePulls;
    const incremental = async (s: typeof settings) => {
      await planPulls(own.db, now, s);
      return (await jobsOf(connectionId)).filter((j) => j.kind === 'incremental').length;
    };
    expect(await incremental(settings)).toBe(0);
    expect(await incremental({ ...settings, notifications: { ...settings.notifications, enabled: false } })).toBe(1);
  });
});
