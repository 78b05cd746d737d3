import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { asViewer, createTestClock, testVault } from '../test/fixtures.ts';
import { googleHealthData } from '../test/provider-simulators/google-health-data.ts';
import { startWearablesHarness, type WearablesHarness } from '../test/provider-simulators/harness.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { enqueuePullJob, type PullJobView, runDuePullJobs } from './jobs.ts';
import { planPulls } from './planner.ts';
import { pullDeps } from './testing.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;

describe('pull scheduling with an injected clock', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let wearables: WearablesHarness;
  const data = googleHealthData();
  const clock = createTestClock(new Date('2026-11-21T09:00:00Z'));
  /** The update-range job being watched, and what the admin API said of it at each provider call. */
  const watch: { jobId: number | null; seen: PullJobView[] } = { jobId: null, seen: [] };
  beforeAll(async () => {
    own = await createOwnDatabase('vigil_own_schedule');
    wearables = await startWearablesHarness({
      db: own.db,
      clock,
      vault: testVault(),
      archiveStore: createLocalArchiveStore('/tmp/vigil-schedule-archive'),
      sims: {
        fitbit: {
          extend: (app, api) => {
            app.use('/v4/users/me/dataTypes/*', async (c, next) => {
              if (watch.jobId !== null) {
                const res = await createApp(wearables.deps).request(`/api/v1/pull-jobs/${watch.jobId}`, {
                  headers: asViewer,
                });
                watch.seen.push((await res.json()) as PullJobView);
              }
              await next();
            });
            data.extend(app, api);
          },
        },
      },
    });
  });
  afterAll(async () => {
    await wearables.close();
    await own.drop();
  });
  const runner = { worker: 'schedule-test', leaseMs: 60_000, rereadMs: 3 * DAY, backfillDays: 30, concurrency: 2 };

  const jobsOf = async (connectionId: number) =>
    (await own
      .db('wearable_pull_jobs')
      .where({ connection_id: connectionId })
      .orderBy('id')
      .select('kind', 'state', 'dedupe_key', 'range_from')) as {
      kind: string;
      state: string;
      dedupe_key: string | null;
      range_from: Date;
    }[];

  it("runs the daily pull at the study's local time, incremental pulls every N minutes, and catches up after downtime", async () => {
    const settings = { dailyPullTime: '02:30', incrementalMinutes: 15, backfillDays: 30 };
    const { connectionId, participantId } = await wearables.connected('fitbit');
    const { study_id: studyId } = (await own.db('participants').where({ id: participantId }).first('study_id')) as {
      study_id: number;
    };
    await own.db('studies').where({ id: studyId }).update({ timezone: 'America/New_York' });
    const deps = pullDeps(wearables, clock);
    /** Plans twice (a second process planning at the same moment adds nothing), then runs what is due. */
    const planAndRun = async (at: string) => {
      clock.set(new Date(at));
      const { enqueued } = await planPulls(own.db, clock(), settings);
      expect(await planPulls(own.db, clock(), settings)).toEqual({ enqueued: 0 });
      await runDuePullJobs(deps, runner);
      return enqueued;
    };

    // A new connection: a backfill of 30 days, then (never pulled daily) its first daily pull.
    expect(await planAndRun('2026-11-21T09:00:00Z')).toBe(1);
    expect((await jobsOf(connectionId))[0]).toMatchObject({
      kind: 'backfill',
      state: 'done',
      range_from: new Date(clock().getTime() - 30 * DAY),
    });
    expect(await planAndRun('2026-11-21T09:00:00Z')).toBe(1);
    // Incremental pulls: none until 15 minutes after the last pull, then one per interval, once.
    expect(await planAndRun('2026-11-21T09:10:00Z')).toBe(0);
    expect(await planAndRun('2026-11-21T09:15:00Z')).toBe(1);
    expect(await planAndRun('2026-11-21T09:29:00Z')).toBe(0);
    expect(await planAndRun('2026-11-21T09:30:00Z')).toBe(1);
    // 02:30 in New York (UTC−5 in November) is 07:30 UTC: a minute before it is still incremental.
    expect(await planAndRun('2026-11-22T07:29:00Z')).toBe(1);
    expect(await planAndRun('2026-11-22T07:31:00Z')).toBe(1);
    expect((await jobsOf(connectionId)).map((j) => [j.kind, j.state, j.dedupe_key])).toEqual([
      ['backfill', 'done', `backfill:${connectionId}`],
      ['daily', 'done', `daily:${connectionId}:2026-11-21T07:30:00.000Z`],
      [
        'incremental',
        'done',
        `incremental:${connectionId}:${Math.floor(Date.parse('2026-11-21T09:15Z') / (15 * MINUTE))}`,
      ],
      [
        'incremental',
        'done',
        `incremental:${connectionId}:${Math.floor(Date.parse('2026-11-21T09:30Z') / (15 * MINUTE))}`,
      ],
      [
        'incremental',
        'done',
        `incremental:${connectionId}:${Math.floor(Date.parse('2026-11-22T07:29Z') / (15 * MINUTE))}`,
      ],
      ['daily', 'done', `daily:${connectionId}:2026-11-22T07:30:00.000Z`],
    ]);

    // The machine was off for three local 02:30s: one daily pull at start, whose cursors cover the gap:
    // the device list's up to now, the data types' up to the tracker's last sync (an hour before).
    expect(await planAndRun('2026-11-25T12:00:00Z')).toBe(1);
    const last = (await jobsOf(connectionId)).at(-1);
    expect(last).toMatchObject({
      kind: 'daily',
      state: 'done',
      dedupe_key: `daily:${connectionId}:2026-11-25T07:30:00.000Z`,
    });
    const cursors = (await own
      .db('wearable_cursors')
      .where({ connection_id: connectionId })
      .select('data_type', 'synced_until')) as { data_type: string; synced_until: Date }[];
    expect(cursors.length).toBeGreaterThan(1);
    for (const c of cursors) {
      expect(c.synced_until).toEqual(
        new Date(c.data_type === 'devices' ? '2026-11-25T12:00:00Z' : '2026-11-25T11:00:00.001Z')
      );
    }
  });

  it('shows an update-range job’s progress as it runs: percentage, rows written, current day', async () => {
    clock.set(new Date('2026-11-21T09:00:00Z'));
    const { connectionId } = await wearables.connected('fitbit');
    const user = (
      (await own.db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
        external_user_id: string;
      }
    ).external_user_id;
    const from = new Date('2026-11-01T00:00:00Z');
    const to = new Date('2026-11-21T00:00:00Z');
    // One heart-rate sample an hour over the range: 480 rows in two 14-day windows.
    data.put(
      user,
      'heart-rate',
      Array.from({ length: 480 }, (_, h) => ({
        dataSource: { platform: 'FITBIT', recordingMethod: 'PASSIVELY_MEASURED', device: { displayName: 'Charge 6' } },
        heartRate: {
          beatsPerMinute: String(60 + (h % 30)),
          sampleTime: { physicalTime: new Date(from.getTime() + h * 3_600_000).toISOString(), utcOffset: '0s' },
        },
      }))
    );
    const jobId = await enqueuePullJob(
      own.db,
      { kind: 'update_range', connectionId, from, to, requestedBy: 'admin' },
      clock()
    );
    watch.jobId = jobId;
    expect(await runDuePullJobs(pullDeps(wearables, clock), runner)).toBe(1);
    watch.jobId = null;

    const seen = watch.seen;
    expect(seen.length).toBeGreaterThanOrEqual(8);
    // The paired device is read first (one of twenty types): its last sync bounds a sync's reads.
    expect(seen[0]).toMatchObject({ state: 'running', progressPct: 5, rowsWritten: 1, currentDay: '2026-11-01' });
    for (const [i, s] of seen.entries()) {
      expect(s.state).toBe('running');
      if (i === 0) continue;
      const before = seen[i - 1];
      expect(s.progressPct).toBeGreaterThanOrEqual(before?.progressPct ?? 0);
      expect(s.rowsWritten).toBeGreaterThanOrEqual(before?.rowsWritten ?? 0);
      expect(s.currentDay === null || (s.currentDay >= '2026-11-01' && s.currentDay < '2026-11-21')).toBe(true);
    }
    // Mid-way it had written the first heart-rate window and was on the second, from the 15th.
    expect(seen.some((s) => s.progressPct > 0 && s.progressPct < 100 && s.rowsWritten >= 14 * 24)).toBe(true);
    expect(seen.map((s) => s.currentDay)).toContain('2026-11-15');
    // 480 heart-rate samples and the paired device.
    const res = await createApp(wearables.deps).request(`/api/v1/pull-jobs/${jobId}`, { headers: asViewer });
    expect(await res.json()).toMatchObject({ state: 'done', progressPct: 100, rowsWritten: 481, errors: [] });
  });

  it("pulls a vendor's connections incrementally no more often than its minMinutes", async () => {
    clock.set(new Date('2026-11-25T09:00:00Z'));
    const { connectionId } = await wearables.connected('fitbit');
    await own.db('device_connections').whereNot({ id: connectionId }).update({ status: 'disconnected' });
    const settings = { dailyPullTime: '02:30', incrementalMinutes: 15, backfillDays: 30, minMinutes: { fitbit: 60 } };
    const deps = pullDeps(wearables, clock);
    const planAndRun = async (at: string) => {
      clock.set(new Date(at));
      const { enqueued } = await planPulls(own.db, clock(), settings);
      await runDuePullJobs(deps, runner);
      return enqueued;
    };
    expect(await planAndRun('2026-11-25T09:00:00Z')).toBe(1); // backfill
    expect(await planAndRun('2026-11-25T09:00:00Z')).toBe(1); // first daily pull
    expect(await planAndRun('2026-11-25T09:15:00Z')).toBe(0);
    expect(await planAndRun('2026-11-25T09:59:00Z')).toBe(0);
    expect(await planAndRun('2026-11-25T10:00:00Z')).toBe(1);
    expect((await jobsOf(connectionId)).map((j) => j.kind)).toEqual(['backfill', 'daily', 'incremental']);
  });
});
