/**
 * Wearable pulls (issue 6) — `node --import tsx bench/wearables.bench.ts [--connections=500] [--concurrency=8]`.
 *
 * The daily pull of 500 simulated connections per provider (Fitbit through the Google Health API,
 * Withings, Polar), each simulator answering every call after 100 ms and enforcing its quotas, run
 * through the scheduler's path: planPulls enqueues the daily jobs, runDuePullJobs runs them
 * `concurrency` at a time. Each connection was pulled yesterday, so a daily pull reads 4 days
 * (the day since plus the 3-day re-read window). Rate-limit waits do not sleep: the clock jumps
 * to their end (as the tests' clock does) and the jump is added to the time shown as "modelled".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalArchiveStore } from '../src/archive/local-store.ts';
import type { ProviderId } from '../src/providers/provider.ts';
import { testVault, type TestClock } from '../src/test/app-deps.ts';
import { googleHealthData } from '../src/test/provider-simulators/google-health-data.ts';
import { polarData } from '../src/test/provider-simulators/polar-data.ts';
import { withingsData } from '../src/test/provider-simulators/withings-data.ts';
import { configOver, startHarness } from '../src/test/provider-simulators/wearables-harness.ts';
import { createOwnDatabase } from '../src/test/test-db.ts';
import { PLAN_SHARE } from '../src/wearables/budget.ts';
import { runDuePullJobs } from '../src/wearables/jobs.ts';
import { planPulls } from '../src/wearables/planner.ts';
import { pullDeps } from '../src/wearables/testing.ts';
import { vendorOf } from '../src/vendors/registry.ts';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const CONNECTIONS = arg('connections', 500);
const CONCURRENCY = arg('concurrency', 8);
const LATENCY_MS = 100;
const DAY = 86_400_000;
const MIN5 = 300_000;
const PROVIDERS: ProviderId[] = ['fitbit', 'withings', 'polar'];

/** Real time plus the jumps of rate-limit waits. */
function benchClock(): TestClock & { skewMs(): number } {
  let skew = 0;
  const clock = () => new Date(Date.now() + skew);
  clock.set = (to: Date) => void (skew = to.getTime() - Date.now());
  clock.advance = (ms: number) => void (skew += ms);
  clock.skewMs = () => skew;
  return clock;
}

const iso = (t: number) => new Date(t).toISOString();
const ymd = (t: number) => iso(t).slice(0, 10);
const dayStarts = (from: number, to: number) => {
  const out: number[] = [];
  for (let d = Math.floor(from / DAY) * DAY; d < to; d += DAY) out.push(d);
  return out;
};

/** Google Health points: heart rate every 5 minutes, steps each minute of two active hours a day, resting HR daily. */
function fitbitPoints(type: string, from: string, to: string): Record<string, unknown>[] {
  const source = { platform: 'FITBIT', recordingMethod: 'PASSIVELY_MEASURED', device: { displayName: 'Charge 6' } };
  const [a, b] = [Date.parse(from), Date.parse(to)];
  if (type === 'heart-rate') {
    const out = [];
    for (let t = Math.ceil(a / MIN5) * MIN5; t < b; t += MIN5)
      out.push({
        dataSource: source,
        heartRate: {
          beatsPerMinute: String(55 + ((t / MIN5) % 40)),
          sampleTime: { physicalTime: iso(t), utcOffset: '0s' },
        },
      });
    return out;
  }
  if (type === 'steps') {
    const out = [];
    for (const d of dayStarts(a, b))
      for (const hour of [7, 17])
        for (let m = 0; m < 60; m++) {
          const t = d + hour * 3_600_000 + m * 60_000;
          if (t < a || t >= b) continue;
          out.push({
            dataSource: source,
            steps: {
              count: String(60 + m),
              interval: { startTime: iso(t), endTime: iso(t + 60_000), startUtcOffset: '0s', endUtcOffset: '0s' },
            },
          });
        }
    return out;
  }
  if (type === 'daily-resting-heart-rate') {
    return dayStarts(a, b).map((d) => {
      const [year, month, day] = ymd(d).split('-').map(Number);
      return {
        dataSource: { platform: 'FITBIT', recordingMethod: 'DERIVED' },
        dailyRestingHeartRate: { date: { year, month, day }, beatsPerMinute: '58' },
      };
    });
  }
  return [];
}

/** Withings: a weigh-in each morning, a night's summary and its sleep states with heart rate each night. */
function withingsUser(now: number) {
  const days = dayStarts(now - 40 * DAY, now);
  return {
    timezone: 'Europe/Paris',
    measuregrps: days.map((d, i) => ({
      grpid: i + 1,
      attrib: 0,
      category: 1,
      date: (d + 7 * 3_600_000) / 1000,
      measures: [{ type: 1, unit: -3, value: 74_000 + (i % 7) * 100 }],
    })),
    nights: days.map((d, i) => ({
      id: i + 1,
      timezone: 'Europe/Paris',
      model: 32,
      startdate: (d - 2 * 3_600_000) / 1000,
      enddate: (d + 6 * 3_600_000) / 1000,
      date: ymd(d),
      data: { wakeupduration: 600, lightsleepduration: 14_400, deepsleepduration: 7200, sleep_score: 78 },
    })),
    segments: days.flatMap((d) =>
      [0, 1, 2, 3, 1, 2, 0].map((state, k) => {
        const start = (d - 2 * 3_600_000) / 1000 + k * 4114;
        return {
          startdate: start,
          enddate: start + 4114,
          state,
          model: 'Sleep Analyzer',
          hr: Object.fromEntries(Array.from({ length: 6 }, (_, j) => [String(start + j * 600), 52 + j])),
        };
      })
    ),
  };
}

/** Polar: continuous heart rate every 5 minutes and a daily activity summary with its step samples. */
function polarUser(now: number) {
  const continuousHr = new Map<string, Record<string, unknown>>();
  const activities: Record<string, unknown>[] = [];
  for (const d of dayStarts(now - 40 * DAY, now + DAY)) {
    const date = ymd(d);
    continuousHr.set(date, {
      polar_user: 'bench',
      date,
      heart_rate_samples: Array.from({ length: 288 }, (_, k) => ({
        heart_rate: 55 + (k % 40),
        sample_time: new Date(k * MIN5).toISOString().slice(11, 19),
      })),
    });
    activities.push({
      start_time: `${date}T00:00:00`,
      end_time: `${date}T23:59:59`,
      active_duration: 'PT3H11M',
      calories: 2500,
      steps: 8823,
      distance_from_steps: 4590.53,
      samples: {
        date,
        steps: {
          interval_ms: 60000,
          total_steps: 8823,
          samples: Array.from({ length: 120 }, (_, m) => ({
            steps: 60 + (m % 30),
            timestamp: `${date}T${String(7 + Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`,
          })),
        },
      },
    });
  }
  return { exercises: [], activities, continuousHr, sleep: new Map<string, Record<string, unknown>>() };
}

async function main() {
  const own = await createOwnDatabase('vigil_bench_wearables');
  const archiveDir = await mkdtemp(join(tmpdir(), 'vigil-bench-wearables-'));
  const clock = benchClock();
  const google = googleHealthData();
  google.generate = (_user, type, from, to) => fitbitPoints(type, from, to);
  const withings = withingsData();
  const withingsUsers = new Map<string, ReturnType<typeof withingsUser>>();
  withings.generate = (user) => withingsUsers.get(user) ?? withingsUsers.set(user, withingsUser(Date.now())).get(user)!;
  const polar = polarData();
  const polarUsers = new Map<string, ReturnType<typeof polarUser>>();
  polar.generate = (user) => polarUsers.get(user) ?? polarUsers.set(user, polarUser(Date.now())).get(user)!;
  const wearables = await startHarness({
    db: own.db,
    configFor: configOver(own.config.database),
    clock,
    vault: testVault(),
    archiveStore: createLocalArchiveStore(archiveDir),
    sims: {
      fitbit: { extend: google.extend, latencyMs: LATENCY_MS },
      withings: { extend: withings.extend, latencyMs: LATENCY_MS },
      // Polar's quota grows with its registered users (500 + 20 × users per 15 min, 5000 + 100 × users a day).
      polar: { extend: polar.extend, latencyMs: LATENCY_MS, shortWindowPerUser: 20, longWindowPerUser: 100 },
    },
  });
  try {
    process.stdout.write(
      `connecting ${CONNECTIONS} patients per provider (setup, not timed; simulator latency ${LATENCY_MS} ms)…\n`
    );
    const connections: number[] = [];
    for (const provider of PROVIDERS) {
      for (let i = 0; i < CONNECTIONS; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, CONNECTIONS - i) }, () => wearables.connected(provider))
        );
        connections.push(...batch.map((b) => b.connectionId));
        // Connecting spends Withings' app-wide 120 calls a minute too: 50 connects, then the next minute.
        clock.advance(60_000);
      }
    }
    // Every connection was pulled daily yesterday: today's daily pull is due.
    const yesterday = new Date(clock().getTime() - DAY);
    const types = await own.db('device_connections').whereIn('id', connections).select('id', 'provider');
    for (let i = 0; i < types.length; i += 500) {
      const slice = types.slice(i, i + 500) as { id: number; provider: ProviderId }[];
      await own.db('wearable_cursors').insert(
        slice.flatMap((c) =>
          vendorOf(c.provider).source.types.map((t) => ({
            connection_id: c.id,
            data_type: t.name,
            synced_until: yesterday,
            updated_at: yesterday,
          }))
        )
      );
      await own.db('wearable_sync_state').insert(
        slice.map((c) => ({
          connection_id: c.id,
          daily_pulled_at: yesterday,
          last_pull_at: yesterday,
          last_success_at: yesterday,
          updated_at: yesterday,
        }))
      );
    }
    clock.advance(60_000);
    const callsBefore = Object.fromEntries(PROVIDERS.map((p) => [p, wearables[p].calls.length]));
    const deps = pullDeps(wearables, clock);
    const settings = { dailyPullTime: '00:00', incrementalMinutes: 0, backfillDays: 30 };
    const modelledStart = clock().getTime();
    const started = performance.now();
    const { enqueued } = await planPulls(own.db, clock(), settings);
    const ran = await runDuePullJobs(deps, {
      worker: 'bench',
      leaseMs: 600_000,
      rereadMs: 3 * DAY,
      backfillDays: 30,
      concurrency: CONCURRENCY,
    });
    const wallS = (performance.now() - started) / 1000;
    const modelledS = (clock().getTime() - modelledStart) / 1000;

    const jobs = (await own
      .db('wearable_pull_jobs as j')
      .join('device_connections as c', 'c.id', 'j.connection_id')
      .groupBy('c.provider', 'j.state')
      .select(
        'c.provider',
        'j.state',
        own.db.raw('COUNT(*) as n'),
        own.db.raw('SUM(j.rows_written) as rows_written')
      )) as {
      provider: string;
      state: string;
      n: number;
      rows_written: string;
    }[];
    const rows = jobs.reduce((a, j) => a + Number(j.rows_written), 0);
    const stats = deps.budgets.stats();
    const pct = (used: number, limit: number) => `${used}/${limit} (${((used * 100) / limit).toFixed(0)}%)`;
    const fitbitUsers = Object.entries(stats).filter(([k]) => k.startsWith('fitbit:user:'));
    const fitbitPeak = Math.max(...fitbitUsers.map(([, s]) => s.peak));
    const sims = {
      fitbit: wearables.fitbit.quotas(),
      withings: wearables.withings.quotas(),
      polar: wearables.polar.quotas(),
    };
    const line = (label: string, value: string) => process.stdout.write(`  ${label.padEnd(44)} ${value}\n`);
    process.stdout.write(
      `\ndaily pull of ${CONNECTIONS} connections per provider, ${CONCURRENCY} jobs at a time, ${LATENCY_MS} ms per call\n`
    );
    line('jobs planned / run', `${enqueued} / ${ran}`);
    for (const j of jobs) line(`  ${j.provider} jobs ${j.state}`, `${j.n} (${j.rows_written} rows)`);
    line('wall time', `${wallS.toFixed(1)} s`);
    line('modelled time (wall + rate-limit waits)', `${modelledS.toFixed(1)} s (${(modelledS / 60).toFixed(1)} min)`);
    for (const p of PROVIDERS) {
      const calls = wearables[p].calls.length - callsBefore[p]!;
      line(`${p} calls`, `${calls} (${(calls / CONNECTIONS).toFixed(1)} per connection)`);
    }
    line('rate-limit answers (429 / 601) and retries', `${deps.budgets.retries.count}`);
    line(
      'peak per user, Google (planned 80% of 300/min)',
      `${pct(fitbitPeak, 300)}; simulator saw ${pct(sims.fitbit.perUser.peak, sims.fitbit.perUser.limit)}, refused ${sims.fitbit.perUser.rejected}`
    );
    line(
      'peak per app, Google project (120,000/min)',
      `simulator saw ${pct(sims.fitbit.perProject.peak, sims.fitbit.perProject.limit)}, refused ${sims.fitbit.perProject.rejected}`
    );
    const w = stats['withings:app'];
    line(
      'peak per app, Withings (120/min)',
      `${w ? pct(w.peak, w.limit) : '-'}; simulator saw ${pct(sims.withings.app.peak, sims.withings.app.limit)}, refused ${sims.withings.app.rejected}`
    );
    for (const [key, window] of [
      ['polar:app:short', 'short'],
      ['polar:app:long', 'long'],
    ] as const) {
      const s = stats[key];
      const seen = sims.polar[window];
      line(
        `peak per app, Polar ${window} window`,
        `${s ? pct(s.peak, s.limit) : '-'} (budget, with others' calls from the headers); simulator saw ${pct(seen.peak, seen.limit)}, refused ${seen.rejected}`
      );
    }
    line('planned share', `${PLAN_SHARE * 100}% of each quota`);
    line('rows written', `${rows}`);
    line('rows/s', `${Math.round(rows / wallS)} per wall second, ${Math.round(rows / modelledS)} per modelled second`);
  } finally {
    await wearables.close();
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  }
}

await main();
