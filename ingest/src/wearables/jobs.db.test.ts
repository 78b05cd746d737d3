import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { googleHealthData } from '../test/provider-simulators/google-health-data.ts';
import { startWearablesHarness, type WearablesHarness } from '../test/provider-simulators/harness.ts';
import { asAdmin, asViewer, createTestClock, jsonBody, testVault, withoutSecret } from '../test/fixtures.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { findPullJob, runDuePullJobs } from './jobs.ts';
import { planPulls } from './planner.ts';
import { pullDeps } from './testing.ts';

const DAY = 86_400_000;

describe('pull jobs: on demand, scheduled, with progress', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let wearables: WearablesHarness;
  const clock = createTestClock(new Date('2026-11-21T09:00:00Z'));
  beforeAll(async () => {
    own = await createOwnDatabase();
    const data = googleHealthData();
    wearables = await startWearablesHarness({
      db: own.db,
      clock,
      vault: testVault(),
      archiveStore: createLocalArchiveStore('/tmp/vigil-w6-archive'),
      sims: { fitbit: { extend: data.extend } },
    });
  });
  afterAll(async () => {
    await wearables.close();
    await own.drop();
  });
  const opts = { worker: 'test', leaseMs: 60_000, rereadMs: 3 * DAY, backfillDays: 30 };

  it('update range: 202 with a job, 400 naming the field, 401, 403 for a Viewer, an audit row, then progress to done', async () => {
    const { connectionId } = await wearables.connected('fitbit');
    const app = createApp(wearables.deps);
    const path = `/api/v1/connections/${connectionId}/pulls`;
    const range = { from: '2026-11-01T00:00:00Z', to: '2026-11-21T00:00:00Z' };
    expect((await app.request(path, { method: 'POST', headers: withoutSecret, body: jsonBody(range) })).status).toBe(
      401
    );
    expect((await app.request(path, { method: 'POST', headers: asViewer, body: jsonBody(range) })).status).toBe(403);
    const bad = await app.request(path, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ from: 'yesterday', to: range.to }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: { field: string }[] } }).error.fields[0]?.field).toBe('from');
    const res = await app.request(path, { method: 'POST', headers: asAdmin, body: jsonBody(range) });
    expect(res.status).toBe(202);
    const [job] = ((await res.json()) as { items: { id: number; state: string; kind: string }[] }).items;
    expect(job).toMatchObject({ state: 'queued', kind: 'update_range' });
    expect((await wearables.auditOf(res)).map((a) => a.action)).toEqual(['wearables.update-range']);

    const deps = pullDeps(wearables, clock);
    expect(await runDuePullJobs(deps, opts)).toBe(1);
    const done = await findPullJob(own.db, job?.id ?? 0);
    expect(done).toMatchObject({ state: 'done', progressPct: 100, errors: [] });
    expect(done?.rowsWritten).toBeGreaterThanOrEqual(1);
    const progress = await app.request(`/api/v1/pull-jobs/${job?.id}`, { headers: asViewer });
    expect(progress.status).toBe(200);
    expect(await progress.json()).toMatchObject({ id: job?.id, state: 'done', progressPct: 100 });
  });

  it('schedules a backfill for a new connection, the daily pull at local midnight, and catches up missed days', async () => {
    const settings = { dailyPullTime: '00:00', incrementalMinutes: 0, backfillDays: 30 };
    const { connectionId } = await wearables.connected('fitbit');
    const deps = pullDeps(wearables, clock);
    await runDuePullJobs(deps, opts);
    await planPulls(own.db, clock(), settings);
    const kinds = async () =>
      (await own
        .db('wearable_pull_jobs')
        .where({ connection_id: connectionId })
        .orderBy('id')
        .select('kind', 'state')) as { kind: string; state: string }[];
    expect(await kinds()).toEqual([{ kind: 'backfill', state: 'queued' }]);
    // A second process planning at the same moment adds nothing.
    await planPulls(own.db, clock(), settings);
    expect(await kinds()).toHaveLength(1);
    await runDuePullJobs(deps, opts);
    await planPulls(own.db, clock(), settings);
    expect((await kinds()).map((k) => k.kind)).toEqual(['backfill', 'daily']);
    await runDuePullJobs(deps, opts);
    // The same day again: nothing more until the next local midnight (study in UTC).
    clock.set(new Date('2026-11-21T23:30:00Z'));
    await planPulls(own.db, clock(), settings);
    expect(await kinds()).toHaveLength(2);
    // The machine was off for two midnights: one catch-up daily job at start, whose cursors cover both days,
    // up to what the tracker had uploaded (the simulator's paired device last synced an hour before).
    clock.set(new Date('2026-11-23T08:00:00Z'));
    await planPulls(own.db, clock(), settings);
    expect((await kinds()).map((k) => k.kind)).toEqual(['backfill', 'daily', 'daily']);
    await runDuePullJobs(deps, opts);
    const cursor = (await own
      .db('wearable_cursors')
      .where({ connection_id: connectionId, data_type: 'heartRate' })
      .first('synced_until')) as { synced_until: Date };
    expect(cursor.synced_until).toEqual(new Date('2026-11-23T07:00:00.001Z'));
  });

  it("a run releases the jobs this runner's last run left running (its database went away), not others'", async () => {
    const mine = await wearables.connected('fitbit');
    const theirs = await wearables.connected('fitbit');
    const deps = pullDeps(wearables, clock);
    await runDuePullJobs(deps, opts);
    const now = clock();
    const stranded = (holder: string, connectionId: number) => ({
      kind: 'update_now',
      connection_id: connectionId,
      range_from: new Date(now.getTime() - DAY),
      range_to: now,
      state: 'running',
      requested_by: 'test',
      locked_by: holder,
      // Far from over: only a release frees it now.
      lease_until: new Date(now.getTime() + 3_600_000),
      run_after: now,
      created_at: now,
      updated_at: now,
    });
    const [mineId] = await own.db('wearable_pull_jobs').insert(stranded(opts.worker, mine.connectionId));
    const [theirsId] = await own.db('wearable_pull_jobs').insert(stranded('another-process', theirs.connectionId));

    expect(await runDuePullJobs(deps, opts)).toBe(1);
    expect(await findPullJob(own.db, Number(mineId))).toMatchObject({ state: 'done' });
    expect(await findPullJob(own.db, Number(theirsId))).toMatchObject({ state: 'running' });
  });
});
