import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { openTokens } from '../connections/tokens.ts';
import { scheduledJobs } from '../jobs/schedule.ts';
import { asViewer, createTestClock, testVault } from '../test/fixtures.ts';
import { startWearablesHarness, type WearablesHarness } from '../test/provider-simulators/harness.ts';
import { polarData } from '../test/provider-simulators/polar-data.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { withingsData } from '../test/provider-simulators/withings-data.ts';
import type { PullJobView } from './jobs.ts';

/**
 * The scheduler's pull runners, one per provider, run as its ticks run them: Polar out of its daily
 * quota or hanging holds none of Withings' pulls, and Polar's job waits, visibly, for the reset.
 */
describe('no provider stalls another', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let wearables: WearablesHarness;
  const withings = withingsData();
  const polar = polarData();
  const clock = createTestClock(new Date('2026-11-21T00:00:00Z'));
  let polarGate: Promise<void> | null = null;
  beforeAll(async () => {
    own = await createOwnDatabase('vigil_own_isolation');
    wearables = await startWearablesHarness({
      db: own.db,
      clock,
      vault: testVault(),
      archiveStore: createLocalArchiveStore('/tmp/vigil-isolation-archive'),
      sims: {
        withings: { extend: withings.extend },
        polar: {
          longWindowLimit: 500,
          extend: (app, api) => {
            // A Polar that does not answer until the test lets it.
            app.use('/v3/*', async (_c, next) => {
              if (polarGate) await polarGate;
              await next();
            });
            polar.extend(app, api);
          },
        },
      },
    });
  });
  afterAll(async () => {
    await wearables.close();
    await own.drop();
  });

  const runnerOf = (jobs: ReturnType<typeof scheduledJobs>, name: string) => {
    const job = jobs.find((j) => j.name === name);
    if (!job) throw new Error(`no job ${name}`);
    return () => job.run() as Promise<{ ran: number }>;
  };
  const jobsOf = async (connectionId: number) => {
    const res = await createApp(wearables.deps).request(`/api/v1/pull-jobs?connectionId=${connectionId}`, {
      headers: asViewer,
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: PullJobView[] }).items;
  };
  const userOf = async (connectionId: number) =>
    (await own.db('device_connections').where({ id: connectionId }).first('external_user_id', 'tokens_sealed')) as {
      external_user_id: string;
      tokens_sealed: string;
    };
  const weightAt = (at: Date, grams: number) => ({
    attrib: 0,
    category: 1,
    date: Math.floor(at.getTime() / 1000),
    grpid: at.getTime(),
    measures: [{ type: 1, unit: -3, value: grams }],
  });
  const weights = async (connectionId: number) =>
    (
      (await own.db('body_measurements').where({ connection_id: connectionId }).orderBy('measured_at')) as {
        weight_kg: string;
      }[]
    ).map((r) => Number(r.weight_kg));

  it("Polar out of its daily quota: its job waits for the reset, shown in the pull jobs list; Withings' pulls run on every tick", async () => {
    const p = await wearables.connected('polar');
    const w = await wearables.connected('withings');
    const wUser = withings.user((await userOf(w.connectionId)).external_user_id);
    wUser.measuregrps = [weightAt(new Date('2026-11-20T08:00:00Z'), 74_100)];

    // Another client of the same Polar app spends what is left of the day.
    const polarUser = await userOf(p.connectionId);
    const { accessToken } = openTokens(wearables.deps.vault, p.connectionId, polarUser.tokens_sealed);
    for (let status = 200; status === 200;) {
      const res = await fetch(`${wearables.polar.url}/v3/users/${polarUser.external_user_id}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      status = res.status;
      await res.body?.cancel();
    }

    const jobs = scheduledJobs(wearables.deps);
    const plan = runnerOf(jobs, 'wearable-pull-plan');
    const [runPolar, runWithings] = [runnerOf(jobs, 'wearable-pulls-polar'), runnerOf(jobs, 'wearable-pulls-withings')];
    await plan();
    expect(await Promise.all([runPolar(), runWithings()])).toEqual([{ ran: 1 }, { ran: 1 }]);

    expect(await weights(w.connectionId)).toEqual([74.1]);
    expect((await jobsOf(w.connectionId)).map((j) => j.state)).toEqual(['done']);
    const [waiting] = await jobsOf(p.connectionId);
    expect(waiting).toMatchObject({
      state: 'queued',
      kind: 'backfill',
      runAfter: '2026-11-22T00:00:00.000Z',
      waitingFor: 'quota polar:app:long spent until 2026-11-22T00:00:00.000Z',
    });

    // A weight taken meanwhile arrives with the next incremental pull, while Polar still waits.
    wUser.measuregrps.push(weightAt(new Date('2026-11-21T10:30:00Z'), 74_300));
    clock.set(new Date('2026-11-21T11:01:00Z'));
    await plan();
    expect(await Promise.all([runPolar(), runWithings()])).toEqual([{ ran: 0 }, { ran: 1 }]);
    expect(await weights(w.connectionId)).toEqual([74.1, 74.3]);
    expect((await jobsOf(p.connectionId)).map((j) => j.state)).toEqual(['queued']);

    // Once the day's window resets, Polar's job runs and finishes.
    clock.set(new Date('2026-11-22T00:00:30Z'));
    expect(await runPolar()).toEqual({ ran: 1 });
    expect(await jobsOf(p.connectionId)).toMatchObject([{ state: 'done', waitingFor: null, errors: [] }]);
  });

  it("a Polar that does not answer holds only Polar's runner: Withings' pull completes meanwhile", async () => {
    clock.set(new Date('2026-11-23T00:00:00Z'));
    await own.db('device_connections').update({ status: 'disconnected' });
    const p = await wearables.connected('polar');
    const w = await wearables.connected('withings');
    withings.user((await userOf(w.connectionId)).external_user_id).measuregrps = [
      weightAt(new Date('2026-11-22T20:00:00Z'), 80_000),
    ];
    let release = () => {};
    polarGate = new Promise((resolve) => (release = resolve));
    const jobs = scheduledJobs(wearables.deps);
    await runnerOf(jobs, 'wearable-pull-plan')();
    const polarRun = runnerOf(jobs, 'wearable-pulls-polar')();
    expect(await runnerOf(jobs, 'wearable-pulls-withings')()).toEqual({ ran: 1 });
    expect(await weights(w.connectionId)).toEqual([80]);
    expect((await jobsOf(p.connectionId)).map((j) => j.state)).toEqual(['running']);
    polarGate = null;
    release();
    expect(await polarRun).toEqual({ ran: 1 });
    expect((await jobsOf(p.connectionId)).map((j) => j.state)).toEqual(['done']);
  });
});
