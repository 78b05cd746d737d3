import type { Knex } from 'knex';
import { describe, expect, test } from 'vitest';
import { createLocalArchiveStore } from '../../archive/local-store.ts';
import { asAdmin, createTestClock, testVault, type TestClock } from '../../test/app-deps.ts';
import { startWearablesHarness, type WearablesHarness } from '../../test/provider-simulators/harness.ts';
import { polarData } from '../../test/provider-simulators/polar-data.ts';
import { createOwnDatabase } from '../../test/test-db.ts';
import { runDuePullJobs } from '../../wearables/jobs.ts';
import { planPulls, type ScheduleSettings } from '../../wearables/planner.ts';
import { markPolarListed } from './available.ts';
import { pullDeps } from '../../wearables/testing.ts';

/**
 * Polar without its webhook: the scheduled pass asks Polar's pull notifications once for the
 * client, and pulls incrementally only the connections it lists (no more often than Polar's
 * minimum gap); the others wait for the safety-net gap.
 */

const HOUR = 3_600_000;
const T0 = new Date('2026-11-21T09:00:00Z');
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const settings: ScheduleSettings = {
  dailyPullTime: '02:30',
  incrementalMinutes: 60,
  backfillDays: 30,
  minMinutes: { polar: 180 },
  listingSafetyNetMinutes: 720,
};

type Sims = {
  wearables: WearablesHarness;
  polar: ReturnType<typeof polarData>;
  db: Knex;
  clock: TestClock;
};

/** A database of the test's own: the planner and the runners take every connection and job they find. */
const simTest = test.extend<{ sims: Sims }>({
  // eslint-disable-next-line no-empty-pattern
  sims: async ({}, use) => {
    const own = await createOwnDatabase('vigil_own_polar_listing');
    const clock = createTestClock(T0);
    const polar = polarData();
    const wearables = await startWearablesHarness({
      db: own.db,
      clock,
      vault: testVault(),
      archiveStore: createLocalArchiveStore('/tmp/vigil-polar-listing-archive'),
      sims: { polar: { extend: polar.extend } },
    });
    await use({ wearables, polar, db: own.db, clock });
    await wearables.close();
    await own.drop();
  },
});

describe('Polar pulls by its pull notifications', () => {
  simTest(
    'a listed user is pulled, an unlisted one only at the safety-net gap, an unknown one is logged',
    async ({ sims }) => {
      const { db, clock } = sims;
      const userOf = async (connectionId: number) =>
        (
          (await db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
            external_user_id: string;
          }
        ).external_user_id;
      const listed = await sims.wearables.connected('polar');
      const idle = await sims.wearables.connected('polar');
      const gone = await sims.wearables.connected('polar');
      const deps = pullDeps(sims.wearables, clock);
      const runner = { worker: 'polar-listing-test', leaseMs: 60_000, rereadMs: 3 * 86_400_000, backfillDays: 30 };
      /** One scheduled pass at `hours` after T0: the list, then the plan; the jobs planned, by connection. */
      const pass = async (hours: number) => {
        clock.set(at(hours));
        const asked = await markPolarListed({ ...sims.wearables.deps, budgets: deps.budgets }, clock());
        const before = (await db('wearable_pull_jobs').max({ id: 'id' }).first()) as { id: number | null };
        await planPulls(db, clock(), settings);
        const jobs = (await db('wearable_pull_jobs')
          .where('id', '>', before.id ?? 0)
          .orderBy('id')
          .select('connection_id', 'kind')) as { connection_id: number; kind: string }[];
        await runDuePullJobs(deps, runner);
        return { asked, jobs: jobs.map((j) => [j.connection_id, j.kind]) };
      };
      const steps = async (connectionId: number) =>
        (
          (await db('daily_activity').where({ connection_id: connectionId }).orderBy('local_date').select('steps')) as {
            steps: number;
          }[]
        ).map((r) => r.steps);
      const upload = async (connectionId: number, hours: number, count: number) => {
        const user = await userOf(connectionId);
        const date = at(hours).toISOString().slice(0, 10);
        sims.polar.recordOffline(user, {
          activities: [{ start_time: `${date}T00:00:00`, end_time: `${date}T23:59:59`, steps: count }],
        });
        sims.polar.syncDevice(user, at(hours));
      };

      // Nothing uploaded yet (204): the backfills, then the day's first daily pulls.
      expect(await pass(0)).toEqual({
        asked: { asked: true, listed: 0, unknown: 0 },
        jobs: [
          [listed.connectionId, 'backfill'],
          [idle.connectionId, 'backfill'],
          [gone.connectionId, 'backfill'],
        ],
      });
      expect((await pass(0)).jobs.map(([, kind]) => kind)).toEqual(['daily', 'daily', 'daily']);

      // One device uploads; another's connection needs re-consent and its device uploads too.
      await upload(listed.connectionId, 0.5, 4321);
      await db('device_connections').where({ id: gone.connectionId }).update({ status: 'needs_reauth' });
      await upload(gone.connectionId, 0.5, 99);
      // Listed, but within Polar's 180 minutes of its last pull: not yet.
      expect(await pass(1)).toEqual({ asked: { asked: true, listed: 1, unknown: 1 }, jobs: [] });
      expect(await pass(3)).toEqual({
        asked: { asked: true, listed: 1, unknown: 1 },
        jobs: [[listed.connectionId, 'incremental']],
      });
      expect(await steps(listed.connectionId)).toEqual([4321]);
      expect(sims.wearables.logs()).toContain('polar listed new data of users no active connection holds: ignored');
      expect(await steps(gone.connectionId)).toEqual([]);

      // The list still names the first user (Polar removes an entry only on a committed
      // transaction, which Vigil never makes): pulled again once 180 minutes have passed.
      expect((await pass(5.75)).jobs).toEqual([]);
      expect((await pass(6)).jobs).toEqual([[listed.connectionId, 'incremental']]);
      // The idle connection: never listed, so nothing until 720 minutes after its daily pull.
      expect((await pass(11.75)).jobs).toEqual([[listed.connectionId, 'incremental']]);
      expect((await pass(12)).jobs).toEqual([[idle.connectionId, 'incremental']]);
      // One call to the list a pass, for the whole client.
      expect(sims.wearables.polar.count('notifications')).toBe(8);
    }
  );

  simTest('asks nothing while the webhook is active, nor without a Polar connection', async ({ sims }) => {
    const { clock } = sims;
    const deps = { ...sims.wearables.deps, budgets: pullDeps(sims.wearables, clock).budgets };
    expect(await markPolarListed(deps, clock())).toEqual({ asked: false, reason: 'no connection' });
    await sims.wearables.connected('polar');
    const created = await fetch(`${sims.wearables.url}/api/v1/wearables/notifications/polar/webhook`, {
      method: 'POST',
      headers: asAdmin,
    });
    expect(created.status).toBe(201);
    const { wearablePulls } = deps.config;
    const withNotifications = (enabled: boolean) => ({
      ...deps,
      config: {
        ...deps.config,
        wearablePulls: { ...wearablePulls, notifications: { ...wearablePulls.notifications, enabled } },
      },
    });
    expect(await markPolarListed(withNotifications(true), clock())).toEqual({ asked: false, reason: 'webhook active' });
    // Notifications off: the webhook's deliveries enqueue nothing, so the list is asked.
    expect(await markPolarListed(withNotifications(false), clock())).toEqual({ asked: true, listed: 0, unknown: 0 });
    expect(sims.wearables.polar.count('notifications')).toBe(1);
  });

  simTest('a device 10 days late: every day arrives once it syncs, exactly once', async ({ sims }) => {
    const { db, clock } = sims;
    const { connectionId } = await sims.wearables.connected('polar');
    const user = (
      (await db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
        external_user_id: string;
      }
    ).external_user_id;
    const deps = pullDeps(sims.wearables, clock);
    const runner = { worker: 'polar-late', leaseMs: 60_000, rereadMs: 3 * 86_400_000, backfillDays: 30 };
    /** `hours` scheduled passes, one an hour: the list, the plan, the due pulls. */
    const passes = async (hours: number) => {
      for (let h = 0; h < hours; h++) {
        await markPolarListed({ ...sims.wearables.deps, budgets: deps.budgets }, clock());
        await planPulls(db, clock(), settings);
        await runDuePullJobs(deps, runner);
        clock.advance(HOUR);
      }
    };
    /** Day d (from T0): its steps, continuous heart rate and night, kept on the device. */
    const record = (d: number) => {
      const date = at(24 * d)
        .toISOString()
        .slice(0, 10);
      const before = at(24 * d - 24)
        .toISOString()
        .slice(0, 10);
      sims.polar.recordOffline(user, {
        // The day's steps with their minute: what tells Vigil how far the device has uploaded.
        activities: [
          {
            start_time: `${date}T00:00:00`,
            end_time: `${date}T23:59:59`,
            steps: 1000 + d,
            samples: {
              date,
              steps: {
                interval_ms: 60_000,
                total_steps: 1000 + d,
                samples: [{ steps: 1000 + d, timestamp: `${date}T06:00` }],
              },
            },
          },
        ],
        continuousHr: [{ date, heart_rate_samples: [{ heart_rate: 60 + d, sample_time: '07:30:00' }] }],
        sleep: [
          {
            date,
            sleep_start_time: `${before}T23:00:00+00:00`,
            sleep_end_time: `${date}T07:00:00+00:00`,
            light_sleep: 20_000,
          },
        ],
      });
    };
    const held = async () => ({
      steps: (
        (await db('daily_activity').where({ connection_id: connectionId }).orderBy('local_date')) as {
          steps: number;
        }[]
      ).map((r) => r.steps),
      bpm: (
        (await db('heart_rate')
          .where({ connection_id: connectionId, context: 'continuous' })
          .orderBy('measured_at')) as { bpm: number }[]
      ).map((r) => r.bpm),
      nights: (
        (await db('sleep_sessions').where({ connection_id: connectionId }).orderBy('start_at')) as {
          light_s: number;
        }[]
      ).length,
    });
    const days = (last: number) => Array.from({ length: last + 1 }, (_, d) => d);
    const expected = (last: number) => ({
      steps: days(last).map((d) => 1000 + d),
      bpm: days(last).map((d) => 60 + d),
      nights: last + 1,
    });

    record(0);
    sims.polar.syncDevice(user, at(-1));
    await passes(24);
    expect(await held()).toEqual(expected(0));
    for (let d = 1; d <= 10; d++) {
      record(d);
      await passes(24);
    }
    // Nothing uploaded, so nothing more is there.
    expect(await held()).toEqual(expected(0));
    sims.polar.syncDevice(user, clock());
    await passes(24);
    expect(await held()).toEqual(expected(10));
  });
});
