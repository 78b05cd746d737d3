/**
 * Preferred-source series (issue 16) — `node --import tsx bench/source-priority.bench.ts [runs]` from ingest/.
 *
 * One participant, 30 days, three wearables and the phone all worn every day: Fitbit steps per
 * minute for 16 h a day and heart rate every 15 s around the clock, Withings intraday steps in 2 to
 * 10-minute intervals for 12 h (off the minute grid) and a spot reading an hour, a Polar watch's
 * steps per minute for 8 h and a 1 Hz strap session of an hour, the phone's walking minutes for 2 h.
 * Each night all three wearables record sleep, each day Polar and Fitbit the same 40-minute run and
 * Withings a walk after it; each day has its totals from the three, resting heart rate and nightly
 * vitals from Fitbit and Polar.
 * Times the preferred steps (query and resolution) and preferred heart rate for the whole month
 * and for one day, and the preferred daily values and sessions for the month, `runs` times
 * (default 10, after one warm-up): p50 and p95, rows in and out.
 */
import type { Knex } from 'knex';
import { insertConnection } from '../src/connections/store.ts';
import type { ProviderId } from '../src/providers/provider.ts';
import {
  numeric,
  preferredHeartRate,
  resolveSteps,
  stepsCandidatesQuery,
  type StepsCandidate,
} from '../src/source-priority/resolve.ts';
import {
  DAILY_TABLES,
  SESSION_TABLES,
  preferredDaily,
  preferredSessions,
  type DailyTableName,
  type SessionTableName,
} from '../src/source-priority/records.ts';
import { saveSourcePriorities } from '../src/source-priority/store.ts';
import { insertParticipant, insertStudy } from '../src/test/factories.ts';
import { createPrng } from '../src/test/phone-emulator/prng.ts';
import { createOwnDatabase } from '../src/test/test-db.ts';

const DAYS = 30;
const MIN = 60_000;
const DAY = 1440 * MIN;
const runs = Number(process.argv[2] ?? 10);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

async function seed(db: Knex, start: number) {
  const now = new Date();
  const study = await insertStudy(db, {}, now);
  await saveSourcePriorities(
    db,
    study.id,
    {
      steps: [{ source: 'withings' }, { source: 'polar' }, { source: 'fitbit' }, { source: 'phone' }],
      heart_rate: [{ source: 'polar', device: 'Polar H10' }, { source: 'fitbit' }],
      sleep: [{ source: 'withings', device: 'Sleep Analyzer' }, { source: 'fitbit' }],
      daily_hrv: [{ source: 'fitbit' }],
    },
    now
  );
  const p = await insertParticipant(db, study.id, {}, now);
  const conn: Partial<Record<ProviderId, number>> = {};
  for (const provider of ['fitbit', 'withings', 'polar'] as const) {
    conn[provider] = await insertConnection(
      db,
      { participant_id: p.id, provider, api: provider, status: 'active', scopes_requested: 'all' },
      now
    );
  }
  const rng = createPrng('source-priority-bench');
  // Daily rows carry no offset.
  const owner = (source: ProviderId, device: string) => ({
    connection_id: conn[source]!,
    participant_id: p.id,
    source,
    device,
  });
  const base = (source: ProviderId, device: string) => ({ ...owner(source, device), utc_offset_min: 60 });
  const steps = [];
  const walking = [];
  const hr = [];
  const daily: Record<DailyTableName, Record<string, unknown>[]> = {
    daily_activity: [],
    resting_heart_rate: [],
    daily_vitals: [],
  };
  const sessions: Record<SessionTableName, Record<string, unknown>[]> = { sleep_sessions: [], exercises: [] };
  for (let d = 0; d < DAYS; d++) {
    const day = start + d * DAY;
    const local_date = new Date(day).toISOString().slice(0, 10);
    for (const [source, device] of [
      ['fitbit', 'Charge 6'],
      ['withings', 'Sleep Analyzer'],
      ['polar', 'Polar Ignite 3'],
    ] as const) {
      const bed = day - 90 * MIN + rng.int(0, 60) * MIN;
      sessions.sleep_sessions.push({
        ...base(source, device),
        session_id: `${source}-${d}`,
        start_at: new Date(bed),
        end_at: new Date(bed + rng.int(390, 480) * MIN),
        local_date,
      });
      daily.daily_activity.push({ ...owner(source, device), local_date, steps: rng.int(4000, 12000) });
    }
    for (const [source, device] of [
      ['fitbit', 'Charge 6'],
      ['polar', 'Polar Ignite 3'],
    ] as const) {
      daily.resting_heart_rate.push({ ...owner(source, device), local_date, bpm: rng.int(50, 65) });
      daily.daily_vitals.push({
        ...owner(source, device),
        local_date,
        breaths_per_min: rng.between(12, 17),
        hrv_rmssd_ms: rng.between(25, 60),
        skin_temperature_c: rng.between(33, 35),
      });
      sessions.exercises.push({
        ...base(source, device),
        exercise_id: `${source}-${d}`,
        start_at: new Date(day + 18 * 60 * MIN + rng.int(0, 2) * MIN),
        duration_s: 40 * 60,
      });
    }
    sessions.exercises.push({
      ...base('withings', 'ScanWatch 2'),
      exercise_id: `withings-${d}`,
      start_at: new Date(day + 19 * 60 * MIN),
      duration_s: 20 * 60,
    });
    for (let m = 6 * 60; m < 22 * 60; m++) {
      const at = day + m * MIN;
      steps.push({
        ...base('fitbit', 'Charge 6'),
        start_at: new Date(at),
        end_at: new Date(at + MIN),
        steps: rng.int(0, 120),
      });
    }
    for (let m = 8 * 60; m < 16 * 60; m++) {
      const at = day + m * MIN;
      steps.push({
        ...base('polar', 'Polar Ignite 3'),
        start_at: new Date(at),
        end_at: new Date(at + MIN),
        steps: rng.int(0, 120),
      });
    }
    for (let t = day + 7 * 60 * MIN + 30_000; t < day + 19 * 60 * MIN;) {
      const len = rng.int(2, 10) * MIN;
      steps.push({
        ...base('withings', 'ScanWatch 2'),
        start_at: new Date(t),
        end_at: new Date(t + len),
        steps: rng.int(0, 900),
      });
      t += len;
    }
    for (let m = 17 * 60; m < 19 * 60; m++) {
      walking.push({ participant_id: p.id, minute: new Date(day + m * MIN), walking_s: 30, steps: rng.between(0, 60) });
    }
    for (let t = day; t < day + DAY; t += 15_000) {
      hr.push({ ...base('fitbit', 'Charge 6'), context: 'intraday', measured_at: new Date(t), bpm: rng.int(55, 110) });
    }
    for (let t = day + 18 * 60 * MIN; t < day + 19 * 60 * MIN; t += 1000) {
      hr.push({ ...base('polar', 'Polar H10'), context: 'exercise', measured_at: new Date(t), bpm: rng.int(100, 170) });
    }
    for (let h = 0; h < 24; h++) {
      const t = day + h * 60 * MIN + 20_000;
      hr.push({ ...base('withings', 'ScanWatch 2'), context: 'spot', measured_at: new Date(t), bpm: rng.int(55, 90) });
    }
  }
  await db.batchInsert('steps', steps, 2000);
  await db.batchInsert('walking_minutes', walking, 2000);
  await db.batchInsert('heart_rate', hr, 2000);
  for (const name of Object.keys(DAILY_TABLES) as DailyTableName[]) await db.batchInsert(name, daily[name], 2000);
  for (const name of Object.keys(SESSION_TABLES) as SessionTableName[])
    await db.batchInsert(name, sessions[name], 2000);
  await db.raw(
    'ANALYZE TABLE steps, walking_minutes, heart_rate, daily_activity, resting_heart_rate, daily_vitals, sleep_sessions, exercises'
  );
  const counts = Object.fromEntries(
    [...Object.entries(daily), ...Object.entries(sessions)].map(([name, rows]) => [name, rows.length])
  ) as Record<DailyTableName | SessionTableName, number>;
  return { id: p.id, rows: { steps: steps.length + walking.length, hr: hr.length, ...counts } };
}

async function time(label: string, rowsIn: number, f: () => Promise<number>) {
  const times: number[] = [];
  let out = 0;
  for (let i = 0; i < runs + 1; i++) {
    const began = performance.now();
    try {
      out = await f();
    } catch (err) {
      // A query over the database's timeout is a figure too: said, and the next series timed.
      console.log(
        `| ${label} | ${rowsIn} | failed: ${(err as Error).name} after ${(performance.now() - began).toFixed(0)} ms | | |`
      );
      return;
    }
    if (i >= 1) times.push(performance.now() - began);
  }
  times.sort((a, b) => a - b);
  console.log(
    `| ${label} | ${rowsIn} | ${out} | ${percentile(times, 0.5).toFixed(1)} ms | ${percentile(times, 0.95).toFixed(1)} ms |`
  );
}

async function main() {
  const own = await createOwnDatabase('vigil_bench_priority');
  try {
    const start = Math.floor(Date.now() / DAY) * DAY - DAYS * DAY;
    const t0 = performance.now();
    const { id, rows } = await seed(own.db, start);
    console.log(
      `seeded ${rows.steps} steps rows (with walking minutes) and ${rows.hr} heart-rate rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`
    );
    const steps = async (from: Date, to: Date) => {
      let n = 0;
      const candidates = stepsCandidatesQuery(own.db, id, from, to).stream() as AsyncIterable<StepsCandidate>;
      async function* typed() {
        for await (const c of candidates) yield numeric(c);
      }
      for await (const piece of resolveSteps(typed(), from, to)) n += piece.end_at >= piece.t ? 1 : 0;
      return n;
    };
    const month = [new Date(start), new Date(start + DAYS * DAY)] as const;
    const day = [new Date(start + 10 * DAY), new Date(start + 11 * DAY)] as const;
    console.log(`\nPreferred series (${runs} runs each, after a warm-up)`);
    console.log('| series | rows in (all sources) | rows out | p50 | p95 |');
    console.log('|---|---:|---:|---:|---:|');
    await time('steps, 30 days (streamed)', rows.steps, () => steps(...month));
    await time('steps, one day', Math.round(rows.steps / DAYS), () => steps(...day));
    await time('heart rate, 30 days', rows.hr, async () => (await preferredHeartRate(own.db, id, ...month)).length);
    await time(
      'heart rate, one day',
      Math.round(rows.hr / DAYS),
      async () => (await preferredHeartRate(own.db, id, ...day)).length
    );
    for (const name of Object.keys(DAILY_TABLES) as DailyTableName[]) {
      await time(`${name}, 30 days`, rows[name], async () => (await preferredDaily(own.db, name, id, ...month)).length);
    }
    for (const name of Object.keys(SESSION_TABLES) as SessionTableName[]) {
      await time(
        `${name}, 30 days`,
        rows[name],
        async () => (await preferredSessions(own.db, name, id, ...month)).length
      );
    }
  } finally {
    await own.drop();
  }
}

await main();
