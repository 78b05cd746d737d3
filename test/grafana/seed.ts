import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Knex } from 'knex';
import { createApp } from '../../ingest/src/app.ts';
import { createLocalArchiveStore } from '../../ingest/src/archive/local-store.ts';
import type { ArchiveStore } from '../../ingest/src/archive/store.ts';
import { loadConfig } from '../../ingest/src/config.ts';
import { syntheticWearables } from '../../ingest/src/demo/wearable-data.ts';
import { connectWearable, PROVIDERS, startSimulators } from '../../ingest/src/demo/wearables.ts';
import type { ProviderId } from '../../ingest/src/providers/provider.ts';
import { FEATURE_DELAY_MS } from '../../ingest/src/features/dirty.ts';
import { addDays } from '../../ingest/src/features/local-time.ts';
import { computeMarkedDays, createFeatureProcessor } from '../../ingest/src/features/processor.ts';
import { localDay } from '../../ingest/src/streams/local-days.ts';
import { saveStudyMeasurements } from '../../ingest/src/study-measurements/store.ts';
import { MEASUREMENTS } from '../../ingest/src/wearables/measurements.ts';
import { ensureDayPartitions } from '../../ingest/src/streams/partitions.ts';
import { createStreamProcessor } from '../../ingest/src/streams/processor.ts';
import { currentDeviceSettings } from '../../ingest/src/study-config/device-settings-store.ts';
import { asAdmin, createTestClock, testDeps, testVault } from '../../ingest/src/test/app-deps.ts';
import { behaviourFiles, processPlainFiles } from '../../ingest/src/test/behaviour-history.ts';
import { freePort } from '../../ingest/src/test/ports.ts';
import { createPhone, type GeneratedFile } from '../../ingest/src/test/phone-emulator/phone.ts';
import type { StreamId } from '../../ingest/src/test/phone-emulator/types.ts';
import { processAllUploads } from '../../ingest/src/test/process-all.ts';
import { saveCredentials } from '../../ingest/src/push/credential-store.ts';
import { ServiceAccount } from '../../ingest/src/push/google-auth.ts';
import { planSurveyPushes } from '../../ingest/src/push/planner.ts';
import { createPushSender } from '../../ingest/src/push/sender.ts';
import { startFirebaseSimulator } from '../../ingest/src/test/firebase-simulator.ts';
import type { Vault } from '../../ingest/src/vault/vault.ts';
import { createBudgets } from '../../ingest/src/wearables/budget.ts';
import { enqueuePullJob, runDuePullJobs } from '../../ingest/src/wearables/jobs.ts';
import type { RecoveryData } from '../../ingest/src/test/provider-simulators/polar-recovery-data.ts';

/** Streams the dashboards draw, which the seeded phone must have produced. */
const NEEDED: readonly StreamId[] = ['accelerometer', 'gps', 'power_state', 'calls', 'texts', 'survey_answers'];

export type Seeded = {
  studyId: number;
  participantId: number;
  label: string;
  from: Date;
  to: Date;
  /** The survey pushed, and the study-local days of its two schedule events (sent; failed). */
  survey: { name: string; days: [string, string] };
};

const FCM_TOKEN = `ZGFzaGJvYXJkLXBob25l:APA91b${'d'.repeat(140)}`;

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 35;

/**
 * A study with one emulated Android phone whose hours of data go through the real ingest path
 * (upload → archive → queue → worker → stream tables, rollups, data quantity), a heartbeat, one
 * upload left waiting in the queue; and a Fitbit, a Withings scale and a Polar watch connected
 * through the provider simulators and pulled by the real pull jobs, after which the patient
 * revokes Withings at the vendor so that the next pull finds the connection needs consent again.
 */
export async function seedStudy(db: Knex, now = new Date()): Promise<Seeded> {
  // Uploads, heartbeats and pull jobs are stamped with the real time of the run, so the phone's hours
  // start two days back (08:00 UTC, a working morning in Paris) and the window reaches past now.
  const start = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - 2 * DAY_MS + 8 * 3_600_000);
  const archiveDir = await mkdtemp(join(tmpdir(), 'vigil-grafana-seed-'));
  try {
    const vault = testVault();
    const archiveStore = createLocalArchiveStore(archiveDir);
    const deps = testDeps({ db, clock: () => new Date(), vault, archiveStore });
    const app = createApp(deps);
    const processor = createStreamProcessor({ clock: () => new Date(), settingsFor: currentDeviceSettings });
    await ensureDayPartitions(db, now);
    const post = async <T>(path: string, body: object) =>
      (await (await app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) })).json()) as T;
    const timezone = 'Europe/Paris';
    const study = await post<{ id: number }>('/api/v1/studies', { name: `Dashboards ${Date.now()}`, timezone });
    // Every panel has data to draw: the opt-in ECG and irregular rhythm are collected too.
    await saveStudyMeasurements(db, study.id, MEASUREMENTS, now);
    const label = 'dash-android';
    const enrolled = await post<{ id: number; beiwe: { patientId: string; temporaryPassword: string } }>(
      `/api/v1/studies/${study.id}/participants`,
      { label }
    );
    const phone = createPhone({
      os: 'android',
      serverUrl: 'http://vigil.test',
      patientId: enrolled.beiwe.patientId,
      temporaryPassword: enrolled.beiwe.temporaryPassword,
      seed: 'grafana-dashboards',
      fetch: (i, init) => Promise.resolve(app.request(i as string, init)),
    });
    await phone.register();
    // A survey due at 03:00 on the phone's first two days (New York, the zone the emulated phone
    // reports: 07:00 or 08:00 UTC, before its first hour's survey session); the phone takes it.
    const survey = { name: 'Morning check-in', days: [localDay(start, 'UTC'), addDays(localDay(start, 'UTC'), 1)] };
    await post(`/api/v1/studies/${study.id}/surveys`, {
      surveyType: 'tracking_survey',
      name: survey.name,
      content: [{ question_id: 'mood', question_text: 'Mood?', question_type: 'slider', min: 0, max: 10 }],
      schedules: { absolute: survey.days.map((date) => ({ date, hour: 3, minute: 0 })) },
    });
    await phone.setFcmToken(FCM_TOKEN);
    await phone.downloadSurveys();
    const files: GeneratedFile[] = [];
    // Hours over two days until every stream a panel draws has appeared (sparse streams skip hours).
    for (
      let hour = 0;
      hour < 48 && !NEEDED.every((s) => files.some((f) => f.stream === s));
      hour += hour % 24 === 7 ? 17 : 1
    ) {
      files.push(...phone.generateFiles({ from: new Date(start.getTime() + hour * 3_600_000), hours: 1 }));
    }
    // One upload is left waiting in the queue: one of a stream no panel needs, since which file
    // comes last depends on the day the data falls on.
    const waiting = files.findLastIndex((f) => !NEEDED.includes(f.stream));
    if (waiting === -1) throw new Error('the seeded phone produced no file of a stream the panels do not need');
    const [last] = files.splice(waiting, 1);
    const pushDays = await seedPushes(db, deps, now);
    // The second push fails, yet the phone shows the survey from its own alarm and it is taken an hour later.
    files.push(
      ...phone.generateFiles({
        from: new Date(pushDays.failedAt.getTime() + 3_600_000),
        hours: 1,
        streams: ['survey_timings', 'survey_answers'],
      })
    );
    for (const f of files) await phone.upload(f.fileName, f.bytes);
    await processAllUploads(
      db,
      { ...deps, processors: [processor, createFeatureProcessor({ clock: () => new Date() })] },
      'grafana-seed'
    );
    // Five weeks before the phone's hours, for the Behaviour panels' baselines (the phone's own hours
    // are too few for a day of mobility to count).
    const firstDay = addDays(localDay(start, timezone), -HISTORY_DAYS);
    await processPlainFiles(db, enrolled.id, behaviourFiles(timezone, firstDay, HISTORY_DAYS), new Date());
    await phone.upload(last!.fileName, last!.bytes);
    await phone.heartbeat();

    await seedWearables({ db, vault, archiveStore }, enrolled.id, timezone, new Date(start.getTime() - DAY_MS), {
      revoke: 'withings',
    });
    // The days still marked (the pulls', the last uploads'), as the scheduled job computes them.
    await computeMarkedDays(db, new Date(Date.now() + FEATURE_DELAY_MS));
    return {
      studyId: study.id,
      participantId: enrolled.id,
      label,
      from: new Date(start.getTime() - DAY_MS),
      to: new Date(start.getTime() + 3 * DAY_MS),
      survey: { name: survey.name, days: pushDays.days },
    };
  } finally {
    await rm(archiveDir, { recursive: true, force: true });
  }
}

/**
 * The survey's pushes as the scheduler makes them: planned (the scheduler ran with a grace period
 * reaching back over the seeded days), the first sent a minute after it was due through the
 * Firebase simulator, the second refused because the app instance was meanwhile unregistered.
 */
async function seedPushes(
  db: Knex,
  deps: ReturnType<typeof testDeps>,
  now: Date
): Promise<{ days: [string, string]; failedAt: Date }> {
  const sim = await startFirebaseSimulator();
  try {
    await saveCredentials(
      db,
      deps.vault,
      { serviceAccount: ServiceAccount.parse(sim.createServiceAccount('vigil-dashboards')) },
      'grafana-seed',
      now
    );
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      VIGIL_FCM_BASE_URL: sim.url,
      VIGIL_GOOGLE_OAUTH_BASE_URL: sim.url,
    });
    const send = createPushSender({ ...deps, config });
    await planSurveyPushes(db, now, 3 * DAY_MS);
    const planned = (await db('push_notifications')
      .where({ kind: 'survey' })
      .orderBy('scheduled_for')
      .select('scheduled_for', db.raw("DATE_FORMAT(local_day, '%Y-%m-%d') AS local_day"))) as {
      scheduled_for: Date;
      local_day: string;
    }[];
    if (planned.length !== 2) throw new Error(`expected two planned pushes, got ${planned.length}`);
    const [sent, failed] = planned as [(typeof planned)[0], (typeof planned)[0]];
    await send(new Date(sent.scheduled_for.getTime() + 60_000));
    sim.unregister(FCM_TOKEN);
    await send(new Date(failed.scheduled_for.getTime() + 60_000));
    return { days: [sent.local_day, failed.local_day], failedAt: failed.scheduled_for };
  } finally {
    await sim.close();
  }
}

/**
 * A pull that failed, was put off or recorded errors would leave its vendor's panels empty for a
 * reason no panel shows (CI once drew no Withings rows, cause not recorded). Its cause is printed,
 * its connection pulled once more over the whole range, and a second failure stops the seed.
 */
async function pullAgainWhereUnfinished(
  db: Knex,
  pull: Parameters<typeof runDuePullJobs>[0],
  runner: Parameters<typeof runDuePullJobs>[1],
  from: Date,
  clock: () => Date
): Promise<void> {
  const unfinished = () =>
    db('wearable_pull_jobs')
      .where((q) => void q.whereNot('state', 'done').orWhereNotNull('errors'))
      .select('id', 'connection_id', 'kind', 'state', 'errors', 'run_after') as Promise<
      { id: number; connection_id: number }[]
    >;
  const first = await unfinished();
  if (first.length === 0) return;
  console.warn(`grafana seed: wearable pulls unfinished, pulled again: ${JSON.stringify(first)}`);
  const seen = new Set(first.map((j) => j.id));
  for (const connectionId of new Set(first.map((j) => j.connection_id))) {
    await enqueuePullJob(
      db,
      { kind: 'update_now', connectionId, from, to: clock(), requestedBy: 'grafana-seed' },
      clock()
    );
  }
  await db('wearable_pull_jobs')
    .where({ state: 'queued' })
    .update({ run_after: new Date(0) });
  await runDuePullJobs(pull, runner);
  const again = (await unfinished()).filter((j) => !seen.has(j.id));
  if (again.length > 0) throw new Error(`wearable pulls unfinished twice: ${JSON.stringify(again)}`);
}

/**
 * The accounts the seed connects. The synthetic data follows from the account (which mornings the
 * scale is skipped, how long a night is), so named accounts draw the same data every run: with a
 * new random account each run, CI now and then drew no weigh-in inside the dashboards' window.
 */
const SEED_ACCOUNTS: Record<ProviderId, string> = { fitbit: 'hu-5eed000001', withings: '5550001', polar: '5550002' };

/**
 * Connects the participant's Fitbit, Withings and Polar accounts through the simulators (serving
 * synthetic data) to the ingest served over HTTP, and runs the backfill pull jobs from `from` to
 * now; with `revoke`, the patient then withdraws that provider's access and an "update now" pull
 * finds out. Rate-limit waits move the pull's clock (which the simulators share) instead of sleeping.
 */
export async function seedWearables(
  parts: { db: Knex; vault: Vault; archiveStore: ArchiveStore },
  participantId: number,
  timeZone: string,
  from: Date,
  options: { revoke?: 'fitbit' | 'withings' } = {}
): Promise<void> {
  const { db } = parts;
  const clock = createTestClock(new Date());
  const data = syntheticWearables({ timeZone, from, now: clock, seed: 'grafana-dashboards' });
  const sims = await startSimulators(data, clock);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({ ...process.env, NODE_ENV: 'test', ...sims.env(), VIGIL_PUBLIC_URL: url });
  const deps = testDeps({ ...parts, clock, config });
  const server = serve({ fetch: createApp(deps).fetch, hostname: '127.0.0.1', port });
  try {
    for (const provider of PROVIDERS)
      await connectWearable(url, asAdmin, sims, participantId, provider, { account: SEED_ACCOUNTS[provider] });
    const connections = (await db('device_connections')
      .where({ participant_id: participantId })
      .select('id', 'provider', 'external_user_id')) as {
      id: number;
      provider: ProviderId;
      external_user_id: string;
    }[];
    const polar = connections.find((c) => c.provider === 'polar');
    if (polar) givePolarRecovery(data.polar.recovery(polar.external_user_id), from, clock());
    const budgets = createBudgets(clock, (ms) => {
      clock.advance(ms);
      return Promise.resolve();
    });
    const pull = { ...deps, budgets };
    const runner = { worker: 'grafana-seed', leaseMs: 300_000, rereadMs: 3 * DAY_MS, backfillDays: 3 };
    for (const c of connections) {
      await enqueuePullJob(
        db,
        { kind: 'backfill', connectionId: c.id, from, to: clock(), requestedBy: 'schedule' },
        clock()
      );
    }
    await runDuePullJobs(pull, runner);
    await pullAgainWhereUnfinished(db, pull, runner, from, clock);
    const revoked = connections.find((c) => c.provider === options.revoke);
    if (options.revoke && revoked) {
      sims[options.revoke].revokeUser(revoked.external_user_id);
      await enqueuePullJob(
        db,
        { kind: 'update_now', connectionId: revoked.id, from, to: clock(), requestedBy: 'grafana-seed' },
        clock()
      );
      await runDuePullJobs(pull, runner);
    }
  } finally {
    await new Promise<void>((resolve) => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      server.close(() => resolve());
    });
    await sims.close();
  }
}

/**
 * What the seeded Polar watch gives for a date (the panels' tests read it back): Nightly Recharge's
 * ANS charge and status, the day's cardio load, and the SleepWise alertness grade of its waking period.
 */
export function seededPolarDay(date: string) {
  const n = Number(date.slice(8, 10));
  return {
    ansCharge: (n % 11) - 5 + 0.5,
    rechargeStatus: 1 + (n % 6),
    trimp: 40 + n,
    strain: 30 + n / 2,
    tolerance: 35 + (n % 3),
    alertness: 3 + (n % 7) + 0.5,
  };
}

/** A prediction overlapping the last measured period (never drawn), and one the night before it (drawn). */
export const SEEDED_ALERTNESS_PREDICTIONS = { hidden: 9.9, shown: 1.5 } as const;

/**
 * Polar's recovery data from the day of `from` to yesterday, each waking period 06:00–21:00 UTC
 * measured (`history`); SleepWise predictions as `SEEDED_ALERTNESS_PREDICTIONS` says. Only the
 * ANS charge and statuses of each night, so that the HRV and breathing panels stay as they were.
 */
function givePolarRecovery(r: RecoveryData, from: Date, now: Date): void {
  const today = now.toISOString().slice(0, 10);
  const period = (start: string, end: string, grade: number, type: string) => ({
    grade,
    grade_type: 'GRADE_TYPE_PRIMARY',
    validity: 'VALIDITY_VALID',
    result_type: type,
    period_start_time: `${start}:00`,
    period_end_time: `${end}:00`,
    sleep_timezone_offset_minutes: 60,
  });
  let last = '';
  for (let t = from.getTime(); new Date(t).toISOString().slice(0, 10) < today; t += DAY_MS) {
    const date = new Date(t).toISOString().slice(0, 10);
    const day = seededPolarDay(date);
    r.recharges.set(date, {
      date,
      nightly_recharge_status: day.rechargeStatus,
      ans_charge: day.ansCharge,
      ans_charge_status: 3,
    });
    r.cardioLoads.set(date, {
      date,
      cardio_load_status: 'MAINTAINING',
      cardio_load: day.trimp,
      strain: day.strain,
      tolerance: day.tolerance,
      cardio_load_ratio: day.strain / day.tolerance,
    });
    r.alertness.push(period(`${date}T06:00`, `${date}T21:00`, day.alertness, 'ALERTNESS_TYPE_HISTORY'));
    last = date;
  }
  const { hidden, shown } = SEEDED_ALERTNESS_PREDICTIONS;
  r.alertness.push(period(`${last}T07:00`, `${last}T20:00`, hidden, 'ALERTNESS_TYPE_PREDICTION'));
  // The night before the last measured period, not today: a pull reads SleepWise only up to the
  // watch's latest data, which before the day's first walk is the evening before, so a prediction
  // for today was drawn or not by the time of day the tests ran.
  const eve = new Date(Date.parse(last) - DAY_MS).toISOString().slice(0, 10);
  r.alertness.push(period(`${eve}T21:30`, `${last}T05:30`, shown, 'ALERTNESS_TYPE_PREDICTION'));
}
