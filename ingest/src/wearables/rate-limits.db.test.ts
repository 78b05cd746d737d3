import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import type { ProviderId } from '../providers/provider.ts';
import { openTokens } from '../connections/tokens.ts';
import { asViewer, createTestClock, testVault, withoutSecret } from '../test/fixtures.ts';
import type { QuotaStats } from '../test/provider-simulators/core.ts';
import { googleHealthData } from '../test/provider-simulators/google-health-data.ts';
import { startWearablesHarness, type WearablesHarness } from '../test/provider-simulators/harness.ts';
import { polarData } from '../test/provider-simulators/polar-data.ts';
import { withingsData } from '../test/provider-simulators/withings-data.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { PLAN_SHARE } from './budget.ts';
import { runDuePullJobs } from './jobs.ts';
import { planPulls } from './planner.ts';
import { pullConnection } from './pull.ts';
import { pullDeps } from './testing.ts';

const DAY = 86_400_000;
const CONNECTIONS = 50;
const runner = { worker: 'rate-test', leaseMs: 60_000, rereadMs: 3 * DAY, backfillDays: 7, concurrency: 4 };
const settings = { dailyPullTime: '00:00', incrementalMinutes: 0, backfillDays: 7 };

type Sims = NonNullable<Parameters<typeof startWearablesHarness>[0]['sims']>;

// The file's own database: the runner takes every due job and the planner sees every connection.
let own: Awaited<ReturnType<typeof createOwnDatabase>>;
beforeAll(async () => {
  own = await createOwnDatabase('vigil_own_rates');
});
afterAll(() => own.drop());

/** Simulators on the test's clock; afterwards its connections leave the planner's sight. */
async function setUp(sims: Sims) {
  const clock = createTestClock(new Date('2026-11-21T09:00:00Z'));
  const vault = testVault();
  const wearables = await startWearablesHarness({
    db: own.db,
    clock,
    vault,
    archiveStore: createLocalArchiveStore('/tmp/vigil-rates-archive'),
    sims,
  });
  onTestFinished(async () => {
    await wearables.close();
    await own.db('device_connections').update({ status: 'disconnected' });
  });
  return { db: own.db, clock, vault, wearables, deps: pullDeps(wearables, clock) };
}

/** Connects `n` patients, a few at a time: their connection ids and provider user ids. */
async function connectMany(wearables: WearablesHarness, provider: ProviderId, n: number) {
  const out: { connectionId: number; user: string }[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => wearables.connected(provider)));
    for (const { connectionId } of batch) {
      const row = (await wearables.deps
        .db('device_connections')
        .where({ id: connectionId })
        .first('external_user_id')) as { external_user_id: string };
      out.push({ connectionId, user: row.external_user_id });
    }
  }
  return out;
}

/** Plans the backfills of every new connection and runs them all: every job must end done. */
async function pullAll(setup: Awaited<ReturnType<typeof setUp>>) {
  const { enqueued } = await planPulls(setup.db, setup.clock(), settings);
  expect(enqueued).toBe(CONNECTIONS);
  expect(await runDuePullJobs(setup.deps, runner)).toBe(CONNECTIONS);
  const states = (await setup.db('wearable_pull_jobs').select('state', 'errors')) as { state: string }[];
  expect(states.filter((s) => s.state !== 'done')).toEqual([]);
}

/** Connecting calls the API outside any pull (Withings reports no usage, Google no headers): pull in the next minute. */
const nextMinute = (clock: ReturnType<typeof createTestClock>) =>
  clock.set(new Date(Math.floor(clock().getTime() / 60_000) * 60_000 + 60_000));

/** The simulator refused nothing, and no window it counted went past our planned share of it. */
function expectWithinPlan(seen: QuotaStats) {
  expect(seen.rejected).toBe(0);
  expect(seen.peak).toBeLessThanOrEqual(Math.floor(seen.limit * PLAN_SHARE));
}

/** No budget key ever admitted more than its planned share in one window. */
function expectBudgetsWithinPlan(deps: ReturnType<typeof pullDeps>, prefix: string) {
  const keys = Object.entries(deps.budgets.stats()).filter(([key]) => key.startsWith(prefix));
  expect(keys.length).toBeGreaterThan(0);
  for (const [, s] of keys) expect(s.peak).toBeLessThanOrEqual(Math.floor(s.limit * PLAN_SHARE));
  return keys.map(([, s]) => s);
}

const fitbitDevice = { platform: 'FITBIT', recordingMethod: 'PASSIVELY_MEASURED', device: { displayName: 'Charge 6' } };
const heartRate = (at: number) => ({
  dataSource: fitbitDevice,
  heartRate: { beatsPerMinute: '60', sampleTime: { physicalTime: new Date(at).toISOString(), utcOffset: '0s' } },
});

// Fifty whole pulls per vendor (a Google sync is twenty calls) through real HTTP: allow for a loaded machine.
describe('rate limits: a pull of 50 connections per provider stays within every quota', { timeout: 180_000 }, () => {
  it('Google Health: 300 requests/min per user, one user needing more than a minute of it', async () => {
    const data = googleHealthData();
    const setup = await setUp({ fitbit: { extend: data.extend } });
    const connections = await connectMany(setup.wearables, 'fitbit', CONNECTIONS);
    nextMinute(setup.clock);
    // Small pages: the heavy user's day of heart rate takes 260 list calls, more than 210 (70% of 300).
    data.pageCap = 5;
    const end = setup.clock().getTime();
    for (const [i, c] of connections.entries()) {
      const points = i === 0 ? 1300 : 10;
      data.put(
        c.user,
        'heart-rate',
        Array.from({ length: points }, (_, k) => heartRate(end - 3_600_000 - k * 60_000))
      );
    }
    await pullAll(setup);

    expectWithinPlan(setup.wearables.fitbit.quotas().perUser);
    expectWithinPlan(setup.wearables.fitbit.quotas().perProject);
    // The heavy user's budget did the limiting: it filled its planned share and waited for the next minute.
    expect(setup.wearables.fitbit.quotas().perUser.peak).toBe(210);
    expect(setup.deps.slept.length).toBeGreaterThan(0);
    const stats = expectBudgetsWithinPlan(setup.deps, 'fitbit:user:');
    expect(stats).toHaveLength(CONNECTIONS);
    const ids = connections.map((c) => c.connectionId);
    expect(await setup.db('heart_rate').whereIn('connection_id', ids).count({ n: '*' }).first()).toEqual({
      n: 1300 + 49 * 10,
    });
  });

  it('Withings: 120 requests/min for the whole app, signalled by status 601 in the body', async () => {
    const data = withingsData();
    const setup = await setUp({ withings: { extend: data.extend } });
    await connectMany(setup.wearables, 'withings', CONNECTIONS);
    nextMinute(setup.clock);
    await pullAll(setup);

    const seen = setup.wearables.withings.quotas().app;
    expectWithinPlan(seen);
    // 50 connections × (measures, sleep summary, 8 days of sleep detail and of intraday activity, devices,
    // activity, workouts) need several minutes of quota.
    expect(setup.wearables.withings.calls.filter((c) => c.route.startsWith('sleep:get')).length).toBeGreaterThan(
      CONNECTIONS * 7
    );
    expect(seen.peak).toBe(84);
    const [app] = expectBudgetsWithinPlan(setup.deps, 'withings:app');
    // Each connection: measures, the sleep summary, a week of sleep detail and of intraday activity (a day
    // per call), devices, daily activity and workouts; no ECG list, which a study collects only once it opts in.
    expect(app?.calls).toBe(CONNECTIONS * 19);
    expect(setup.clock().getTime() - new Date('2026-11-21T09:01:00Z').getTime()).toBeGreaterThanOrEqual(5 * 60_000);
  }, 120_000);

  it('Withings: token refreshes count against the app quota, so they wait in its budget too', async () => {
    const data = withingsData();
    const setup = await setUp({ withings: { extend: data.extend } });
    await connectMany(setup.wearables, 'withings', CONNECTIONS);
    // The 3-hour access tokens of the connect flow have expired: every pull refreshes first.
    setup.clock.set(new Date(setup.clock().getTime() + 4 * 3_600_000));
    nextMinute(setup.clock);
    const before = setup.wearables.withings.count('token:refresh_token');
    await pullAll(setup);

    expect(setup.wearables.withings.count('token:refresh_token') - before).toBe(CONNECTIONS);
    // Refreshes outside the budget would come on top of its 84 a minute.
    const seen = setup.wearables.withings.quotas().app;
    expectWithinPlan(seen);
    expect(seen.peak).toBe(84);
    const [app] = expectBudgetsWithinPlan(setup.deps, 'withings:app');
    expect(app?.calls).toBe(CONNECTIONS * 20);
  }, 120_000);

  it("Polar: the app's RateLimit windows, learnt from the headers, including calls we did not make", async () => {
    const data = polarData();
    // Polar's quota grows with registered users (500 + 20 × users per 15 min, recalled); scaled down here.
    const setup = await setUp({ polar: { extend: data.extend, shortWindowLimit: 100, shortWindowPerUser: 2 } });
    const connections = await connectMany(setup.wearables, 'polar', CONNECTIONS);
    // Each device uploaded this morning's steps: heart rate and sleep are read one date per call up to it.
    for (const c of connections) {
      data.user(c.user).activities.push({
        start_time: '2026-11-21T00:00:00',
        end_time: '2026-11-21T23:59:59',
        steps: 40,
        samples: {
          date: '2026-11-21',
          steps: { interval_ms: 60_000, total_steps: 40, samples: [{ steps: 40, timestamp: '2026-11-21T06:00' }] },
        },
      });
    }
    // The 50 registrations already used this window: the first answer's RateLimit-Usage tells the budget.
    await pullAll(setup);

    const { short, long } = setup.wearables.polar.quotas();
    expect(short.limit).toBe(200);
    expectWithinPlan(short);
    expectWithinPlan(long);
    expect(short.peak).toBe(140);
    const [shortBudget] = expectBudgetsWithinPlan(setup.deps, 'polar:app:short');
    expect(shortBudget?.limit).toBe(200);
    const state = (await setup
      .db('wearable_sync_state')
      .where({ connection_id: connections[0]?.connectionId })
      .first('rate_limits')) as { rate_limits: string };
    expect(JSON.parse(state.rate_limits)).toMatchObject({
      key: 'polar:app:short',
      limit: 200,
      headers: { limit: [200, 5000] },
    });
  });
});

describe('429 and Retry-After', () => {
  const throttledPull = async (
    setup: Awaited<ReturnType<typeof setUp>>,
    provider: ProviderId,
    provoke: (connectionId: number) => Promise<void>
  ) => {
    const { connectionId } = await setup.wearables.connected(provider);
    const sim = setup.wearables[provider];
    await provoke(connectionId);
    const before = sim.calls.length;
    const result = await pullConnection(setup.deps, connectionId, {
      mode: 'range',
      from: new Date(setup.clock().getTime() - DAY),
      to: setup.clock(),
    });
    expect(result.errors).toEqual([]);
    const [refused, retried] = sim.calls.slice(before);
    expect(retried?.route).toBe(refused?.route);
    return { connectionId, waitedMs: (retried?.at.getTime() ?? 0) - (refused?.at.getTime() ?? 0) };
  };

  const syncHealth = async (wearables: WearablesHarness, connectionId: number) => {
    const res = await createApp(wearables.deps).request(`/api/v1/connections/${connectionId}/sync-health`, {
      headers: asViewer,
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { rateLimits: Record<string, unknown> };
  };

  it('Google: waits the Retry-After seconds, then succeeds; the connection shows the limits it last saw', async () => {
    const data = googleHealthData();
    const setup = await setUp({ fitbit: { extend: data.extend } });
    const { connectionId, waitedMs } = await throttledPull(setup, 'fitbit', () =>
      Promise.resolve(
        setup.wearables.fitbit.failNext('api', {
          status: 429,
          contentType: 'application/json',
          headers: { 'retry-after': '7' },
          body: JSON.stringify({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded' } }),
        })
      )
    );
    expect(waitedMs).toBeGreaterThanOrEqual(7000);
    expect(setup.deps.slept).toContain(7000);
    const health = await syncHealth(setup.wearables, connectionId);
    expect(health.rateLimits).toMatchObject({
      key: `fitbit:user:${connectionId}`,
      limit: 300,
      windowMs: 60_000,
      plannedShare: 0.7,
      throttled: { retryAfterSeconds: 7 },
    });
    expect(health.rateLimits.used).toBeGreaterThan(0);

    const app = createApp(setup.wearables.deps);
    const path = `/api/v1/connections/${connectionId}/sync-health`;
    expect((await app.request(path, { headers: withoutSecret })).status).toBe(401);
    expect((await app.request('/api/v1/connections/abc/sync-health', { headers: asViewer })).status).toBe(400);
  });

  it('Withings: status 601 in a 200 answer backs off a minute, then succeeds', async () => {
    const data = withingsData();
    const setup = await setUp({ withings: { extend: data.extend } });
    const { connectionId, waitedMs } = await throttledPull(setup, 'withings', () =>
      Promise.resolve(
        setup.wearables.withings.failNext('api', {
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({ status: 601, error: 'Too Many Requests' }),
        })
      )
    );
    expect(waitedMs).toBeGreaterThanOrEqual(60_000);
    expect((await syncHealth(setup.wearables, connectionId)).rateLimits).toMatchObject({
      key: 'withings:app',
      limit: 120,
      throttled: { retryAfterSeconds: 60 },
    });
  });

  it('Polar: a 429 waits until the reset its RateLimit headers give, then succeeds', async () => {
    const data = polarData();
    const setup = await setUp({ polar: { extend: data.extend, shortWindowLimit: 20 } });
    setup.clock.set(new Date('2026-11-21T09:14:00Z'));
    // Another client of the same app spends the rest of this 15-minute window.
    const { connectionId, waitedMs } = await throttledPull(setup, 'polar', async (id) => {
      const row = (await setup.db('device_connections').where({ id }).first('tokens_sealed', 'external_user_id')) as {
        tokens_sealed: string;
        external_user_id: string;
      };
      const { accessToken } = openTokens(setup.vault, id, row.tokens_sealed);
      for (let used = 1; used < 20; used++) {
        const res = await fetch(`${setup.wearables.polar.url}/v3/users/${row.external_user_id}`, {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        expect(res.status).toBe(200);
      }
    });
    expect(setup.clock().getTime()).toBeGreaterThanOrEqual(new Date('2026-11-21T09:15:00Z').getTime());
    expect(waitedMs).toBeGreaterThanOrEqual(60_000);
    expect(setup.wearables.polar.quotas().short.rejected).toBe(1);
    expect((await syncHealth(setup.wearables, connectionId)).rateLimits).toMatchObject({
      key: 'polar:app:short',
      throttled: { retryAfterSeconds: 60 },
    });
  });
});
