import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grantReader } from '../../migrations/src/migrations/20261121140000_grant_grafana_reader.ts';
import { grantReaderWearables } from '../../migrations/src/migrations/20261121140100_grant_grafana_reader_wearables.ts';
import { grantReaderHeartRateMinutes } from '../../migrations/src/migrations/20261121140300_grant_grafana_reader_heart_rate_minutes.ts';
import { grantReaderDailyFeatures } from '../../migrations/src/migrations/20261206130100_grant_grafana_reader_daily_features.ts';
import { grantReaderSourcePriorities } from '../../migrations/src/migrations/20261208300100_grant_grafana_reader_source_priorities.ts';
import { grantReaderPush } from '../../migrations/src/migrations/20261208110000_grant_grafana_reader_push.ts';
import { grantReaderPushFunnel } from '../../migrations/src/migrations/20261208100100_grant_grafana_reader_push_funnel.ts';
import { grantReaderHeartRhythm } from '../../migrations/src/migrations/20261207150200_grant_grafana_reader_heart_rhythm.ts';
import { grantReaderDailyVitals } from '../../migrations/src/migrations/20261208200100_grant_grafana_reader_daily_vitals.ts';
import { grantReaderWalkingMinutes } from '../../migrations/src/migrations/20261210200000_grant_grafana_reader_walking_minutes.ts';
import { grantReaderSleepwise } from '../../migrations/src/migrations/20261210100300_grant_grafana_reader_sleepwise.ts';
import type { Knex } from 'knex';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../ingest/src/features/local-time.ts';
import { createLocalArchiveStore } from '../../ingest/src/archive/local-store.ts';
import { loadConfig } from '../../ingest/src/config.ts';
import { saveCredentials } from '../../ingest/src/push/credential-store.ts';
import { preferredSteps } from '../../ingest/src/source-priority/resolve.ts';
import { offsetMinutes } from '../../ingest/src/wearables/time.ts';
import { ServiceAccount } from '../../ingest/src/push/google-auth.ts';
import { createPushSender } from '../../ingest/src/push/sender.ts';
import { testDeps, testVault } from '../../ingest/src/test/app-deps.ts';
import { insertParticipant, insertStudy } from '../../ingest/src/test/factories.ts';
import { startFirebaseSimulator } from '../../ingest/src/test/firebase-simulator.ts';
import { createOwnDatabase } from '../../ingest/src/test/test-db.ts';
import { repoRoot, scratchDir, yamlToJson } from '../tools.ts';
import { allPanels, loadDashboards, variableSql, type Dashboard } from './dashboards.ts';
import { panelInterval } from './intervals.ts';
import { renderQuery, type QueryContext, type Variable } from './macros.ts';
import { runSql, shapeProblems } from './run-query.ts';
import { SEEDED_ALERTNESS_PREDICTIONS, seededPolarDay, seedStudy, type Seeded } from './seed.ts';

/**
 * Every panel query of every dashboard and every alert query, expanded as Grafana 13.1 expands them,
 * run as a user holding only the reader grants against data the real ingest path wrote.
 */

const suffix = randomBytes(3).toString('hex');
const role = `vigil_reader_t${suffix}`;
const user = `vigil_grafana_t${suffix}`;
const password = randomBytes(12).toString('hex');

let own: Awaited<ReturnType<typeof createOwnDatabase>>;
let reader: mysql.Connection;
let seeded: Seeded;

beforeAll(async () => {
  own = await createOwnDatabase('vigil_grafana');
  seeded = await seedStudy(own.db);
  await own.db.raw('CREATE ROLE ??', [role]);
  await own.db.raw("CREATE USER ??@'%' IDENTIFIED BY ?", [user, password]);
  await own.db.raw("GRANT ?? TO ??@'%'", [role, user]);
  await own.db.raw("SET DEFAULT ROLE ?? FOR ??@'%'", [role, user]);
  await grantReader(own.db, role);
  await grantReaderWearables(own.db, role);
  await grantReaderHeartRateMinutes(own.db, role);
  await grantReaderDailyFeatures(own.db, role);
  await grantReaderSourcePriorities(own.db, role);
  await grantReaderPush(own.db, role);
  await grantReaderPushFunnel(own.db, role);
  await grantReaderHeartRhythm(own.db, role);
  await grantReaderDailyVitals(own.db, role);
  await grantReaderWalkingMinutes(own.db, role);
  await grantReaderSleepwise(own.db, role);
  const { host, port, database } = own.config;
  reader = await mysql.createConnection({ host, port, user, password, database, timezone: 'Z' });
  // The provisioned jsonData.timezone: the DSN's time_zone parameter.
  await reader.query("SET time_zone = '+00:00'");
}, 180_000);

afterAll(async () => {
  await reader?.end();
  await own?.db.raw("DROP USER IF EXISTS ??@'%'", [user]);
  await own?.db.raw('DROP ROLE IF EXISTS ??', [role]);
  await own?.drop();
});

function context(
  seed: Seeded,
  variables: Variable[],
  panel?: { interval?: string; maxDataPoints?: number }
): QueryContext {
  const fromMs = seed.from.getTime();
  const toMs = seed.to.getTime();
  const { intervalMs, interval } = panelInterval(toMs - fromMs, panel?.maxDataPoints ?? 1000, panel?.interval ?? '1m');
  return { fromMs, toMs, intervalMs, interval, variables };
}

/** Resolves the dashboard's variables in order, as Grafana does on load, choosing the seeded study and participant. */
async function resolveVariables(dashboard: Dashboard): Promise<Variable[]> {
  const resolved: Variable[] = [];
  const wanted: Record<string, string> = { study: String(seeded.studyId), participant: String(seeded.participantId) };
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type === 'custom') {
      resolved.push({
        name: v.name,
        value: (v.current?.value as string | undefined) ?? '',
        multi: v.multi,
        includeAll: v.includeAll,
      });
      continue;
    }
    const sql = variableSql(v);
    if (!sql) throw new Error(`variable ${v.name} has no query`);
    const result = await runSql(reader, renderQuery(sql, context(seeded, resolved)).sql);
    const valueIndex = result.columns.findIndex((c) => c.name === '__value');
    expect(valueIndex, `${v.name} returns __value`).toBeGreaterThanOrEqual(0);
    expect(result.columns.map((c) => c.name)).toContain('__text');
    const options = result.rows.map((r) => String(r[valueIndex]));
    const value = wanted[v.name] ?? options[0] ?? '';
    expect(options, `${v.name} offers the seeded one`).toContain(value);
    resolved.push({ name: v.name, value, multi: v.multi, includeAll: v.includeAll, options });
  }
  return resolved;
}

describe.each(loadDashboards())('dashboard $file', ({ dashboard }) => {
  // Prometheus panels are checked against the ingest's metric names in lint.test.ts.
  for (const panel of allPanels(dashboard).filter((p) => p.targets?.length && p.datasource?.type !== 'prometheus')) {
    it(`${panel.type} "${panel.title}" returns what its panel draws`, async () => {
      const variables = await resolveVariables(dashboard);
      for (const target of panel.targets ?? []) {
        const { sql } = renderQuery(target.rawSql ?? '', context(seeded, variables, panel));
        const result = await runSql(reader, sql);
        expect(shapeProblems(result, panel.type, target.format ?? 'time_series', true), sql).toEqual([]);
      }
    });
  }
});

describe('the wearable panels', () => {
  const overview = loadDashboards().find((d) => d.dashboard.uid === 'vigil-participant-overview')!.dashboard;
  const query = async (titleStart: string) => {
    const panel = allPanels(overview).find((p) => p.title.startsWith(titleStart)) ?? expect.fail(titleStart);
    const variables = await resolveVariables(overview);
    const result = await runSql(reader, renderQuery(panel.targets![0]!.rawSql!, context(seeded, variables, panel)).sql);
    const column = (name: string) => result.rows.map((r) => r[result.columns.findIndex((c) => c.name === name)]);
    return { result, column };
  };
  const distinct = (values: unknown[]) => [...new Set(values.map(String))].sort();

  it('draw what each pulled wearable measured, labelled by provider', async () => {
    expect(distinct((await query('Heart rate')).column('metric'))).toEqual(['fitbit', 'polar', 'withings']);
    expect(distinct((await query('Steps per day')).column('metric'))).toEqual(['fitbit', 'polar']);
    expect(distinct((await query('Weight')).column('metric'))).toEqual(['withings']);
    expect(distinct((await query('Sleep stages')).column('source'))).toEqual(['fitbit', 'polar']);
  });

  it('gives whole local days of steps and plausible heart rates', async () => {
    const steps = await query('Steps per day');
    for (const n of steps.column('steps')) expect(Number(n)).toBeGreaterThan(100);
    expect(distinct(steps.column('time').map((t) => (t as Date).toISOString().slice(11)))).toEqual(['00:00:00.000Z']);
    for (const bpm of (await query('Heart rate')).column('bpm')) {
      expect(Number(bpm)).toBeGreaterThan(35);
      expect(Number(bpm)).toBeLessThan(200);
    }
  });
});

describe('the heart-rate panel with the preferred source', () => {
  const overview = loadDashboards().find((d) => d.dashboard.uid === 'vigil-participant-overview')!.dashboard;
  /** Minute by minute (the panel's smallest interval), so each row is one minute of one source. */
  const minutes = async (sources: string) => {
    const panel = allPanels(overview).find((p) => p.title.startsWith('Heart rate')) ?? expect.fail('Heart rate');
    const variables = (await resolveVariables(overview)).map((v) =>
      v.name === 'sources' ? { ...v, value: sources } : v
    );
    const ctx = context(seeded, variables, { interval: '1m', maxDataPoints: 1_000_000 });
    expect(ctx.interval).toBe('1m');
    const result = await runSql(reader, renderQuery(panel.targets![0]!.rawSql!, ctx).sql);
    const at = (name: string) => result.columns.findIndex((c) => c.name === name);
    return result.rows.map((r) => ({ time: String(r[at('time')]), source: String(r[at('metric')]) }));
  };
  const rank = (order: string[]) => (rows: { time: string; source: string }[]) => {
    const best = new Map<string, string>();
    for (const r of rows) {
      const held = best.get(r.time);
      if (held === undefined || order.indexOf(r.source) < order.indexOf(held)) best.set(r.time, r.source);
    }
    return [...best].map(([time, source]) => ({ time, source })).sort((a, b) => a.time.localeCompare(b.time));
  };
  const sorted = (rows: { time: string; source: string }[]) =>
    [...rows].sort((a, b) => a.time.localeCompare(b.time) || a.source.localeCompare(b.source));

  it('keeps one wearable per minute, the best-ranked that has one: the default order, then the study’s list', async () => {
    const every = await minutes('every');
    // The seeded wearables overlap: some minutes have readings from two of them.
    expect(every.length).toBeGreaterThan(rank(['polar', 'fitbit', 'withings'])(every).length);
    expect(sorted(await minutes('preferred'))).toEqual(rank(['polar', 'fitbit', 'withings'])(every));

    await own.db('source_priorities').insert(
      ['withings', 'fitbit'].map((source, position) => ({
        study_id: seeded.studyId,
        measurement: 'heart_rate',
        position,
        source,
        device: null,
        updated_at: new Date(),
      }))
    );
    try {
      expect(sorted(await minutes('preferred'))).toEqual(rank(['withings', 'fitbit', 'polar'])(every));
    } finally {
      await own.db('source_priorities').where({ study_id: seeded.studyId }).delete();
    }
  });
});

describe('the steps panel with the preferred source', () => {
  const overview = loadDashboards().find((d) => d.dashboard.uid === 'vigil-participant-overview')!.dashboard;
  const panelDays = async (sources: string) => {
    const panel = allPanels(overview).find((p) => p.title.startsWith('Steps per day')) ?? expect.fail('Steps per day');
    const variables = (await resolveVariables(overview)).map((v) =>
      v.name === 'sources' ? { ...v, value: sources } : v
    );
    const result = await runSql(reader, renderQuery(panel.targets![0]!.rawSql!, context(seeded, variables, panel)).sql);
    expect(shapeProblems(result, panel.type, 'time_series', true)).toEqual([]);
    const at = (name: string) => result.columns.findIndex((c) => c.name === name);
    return result.rows.map((r) => ({
      day: (r[at('time')] as Date).toISOString().slice(0, 10),
      source: String(r[at('metric')]),
      steps: Number(r[at('steps')]),
    }));
  };
  /**
   * The export's preferred series (resolve.ts) over the rows the panel reads, summed per local day:
   * each piece at its row's offset, the phone's at the offset of the latest wearable steps the panel reads.
   */
  const exportedDays = async () => {
    const first = new Date(seeded.from.toISOString().slice(0, 10));
    const last = new Date(seeded.to.toISOString().slice(0, 10));
    const pieces = await preferredSteps(
      own.db,
      seeded.participantId,
      new Date(first.getTime() - 14 * 3_600_000),
      new Date(last.getTime() + 38 * 3_600_000)
    );
    const latest = (await own
      .db('steps')
      .where({ participant_id: seeded.participantId })
      .where('start_at', '<', new Date(last.getTime() + 38 * 3_600_000))
      .orderBy('start_at', 'desc')
      .first('utc_offset_min')) as { utc_offset_min: number } | undefined;
    const sums = new Map<string, number>();
    for (const p of pieces) {
      const day = new Date(p.t.getTime() + (p.utc_offset_min ?? latest?.utc_offset_min ?? 0) * 60_000)
        .toISOString()
        .slice(0, 10);
      if (day < first.toISOString().slice(0, 10) || day > last.toISOString().slice(0, 10)) continue;
      sums.set(`${day}|${p.source}`, (sums.get(`${day}|${p.source}`) ?? 0) + p.steps);
    }
    return [...sums]
      .map(([key, steps]) => ({ day: key.split('|')[0]!, source: key.split('|')[1]!, steps }))
      .sort((a, b) => a.day.localeCompare(b.day) || a.source.localeCompare(b.source));
  };
  const close = (rows: { day: string; source: string; steps: number }[]) =>
    rows.map((r) => ({ ...r, steps: Math.round(r.steps * 1000) / 1000 }));

  it('sums, per local day, the steps the preferred export keeps: the default order, then the study’s list', async () => {
    const every = await panelDays('every');
    const preferred = await panelDays('preferred');
    expect(close(preferred)).toEqual(close(await exportedDays()));
    // The seeded Fitbit and Polar walk in some of the same minutes: preferring Fitbit takes from Polar's days.
    const total = (rows: typeof every, source: string) =>
      rows.filter((r) => r.source === source).reduce((n, r) => n + r.steps, 0);
    expect(total(preferred, 'fitbit')).toBe(total(every, 'fitbit'));
    expect(total(preferred, 'polar')).toBeLessThan(total(every, 'polar'));
    expect(every.every((r) => r.source !== 'phone')).toBe(true);

    // The phone first: its walking minutes (the seeded history's last evening walks) take their minutes.
    await own.db('source_priorities').insert(
      ['phone', 'fitbit'].map((source, position) => ({
        study_id: seeded.studyId,
        measurement: 'steps',
        position,
        source,
        device: null,
        updated_at: new Date(),
      }))
    );
    try {
      const phoneFirst = await panelDays('preferred');
      expect(close(phoneFirst)).toEqual(close(await exportedDays()));
      expect(phoneFirst.some((r) => r.source === 'phone' && r.steps > 0)).toBe(true);
    } finally {
      await own.db('source_priorities').where({ study_id: seeded.studyId }).delete();
    }
  });
});

describe('the measurement panels (blood pressure, ECG, SpO2, temperature, HRV, breathing, VO2 max, Polar recovery, workouts)', () => {
  const byUid = (uid: string) => loadDashboards().find((d) => d.dashboard.uid === uid)!.dashboard;
  const rowsOf = async (uid: string, titleStart: string) => {
    const dashboard = byUid(uid);
    const panel = allPanels(dashboard).find((p) => p.title.startsWith(titleStart)) ?? expect.fail(titleStart);
    const variables = await resolveVariables(dashboard);
    const result = await runSql(reader, renderQuery(panel.targets![0]!.rawSql!, context(seeded, variables, panel)).sql);
    return result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, r[i]])));
  };
  const overview = (titleStart: string) => rowsOf('vigil-participant-overview', titleStart);
  const metrics = (rows: Record<string, unknown>[]) => [...new Set(rows.map((r) => String(r.metric)))].sort();
  const values = (rows: Record<string, unknown>[], column: string) => rows.map((r) => Number(r[column]));
  const within = (xs: number[], low: number, high: number) => {
    expect(xs.length).toBeGreaterThan(0);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(low);
      expect(x).toBeLessThanOrEqual(high);
    }
  };
  /** Grafana reads the time column of a grouped series as epoch seconds. */
  const epochMs = (t: unknown) => (t instanceof Date ? t.getTime() : Number(t) * 1000);

  it('draw each blood pressure with the pulse the cuff took at that instant', async () => {
    const rows = await overview('Blood pressure');
    // The seeded cuff measures every morning: at least the two whole days in the range.
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const spot = (await own
      .db('heart_rate')
      .where({ participant_id: seeded.participantId, context: 'spot', device: 'BPM Connect' })
      .select('measured_at', 'bpm')) as { measured_at: Date; bpm: number }[];
    for (const r of rows) {
      expect(r.metric).toBe('withings');
      const [systolic, diastolic] = [Number(r.systolic), Number(r.diastolic)];
      expect(systolic).toBeGreaterThan(95);
      expect(systolic).toBeLessThan(160);
      expect(diastolic).toBeGreaterThan(50);
      expect(diastolic).toBeLessThan(systolic);
      const pulse = spot.find((s) => s.measured_at.getTime() === (r.time as Date).getTime());
      expect(Number(r.pulse)).toBe(pulse?.bpm ?? expect.fail(`no spot pulse at ${String(r.time)}`));
    }
  });

  it('list each ECG with its classification, at the wearer’s local time', async () => {
    const rows = await overview('ECG recordings');
    // One recording an evening, the classifications in turn: three evenings show each.
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect([...new Set(rows.map((r) => r.classification))].sort()).toEqual(['inconclusive', 'negative', 'positive']);
    for (const r of rows) {
      expect(r).toMatchObject({ source: 'withings', device: 'Move ECG', method: 'ECG', entry: 'device' });
      within([Number(r['heart rate (bpm)'])], 45, 100);
      const utc = r['recorded (UTC)'] as Date;
      const local = new Date(utc.getTime() + offsetMinutes('Europe/Paris', utc) * 60_000);
      expect(r['local time']).toBe(local.toISOString().slice(0, 16).replace('T', ' '));
    }
    const times = rows.map((r) => (r['recorded (UTC)'] as Date).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('draw SpO2, HRV, breathing, temperature and VO2 max per source beside the nightly summaries', async () => {
    const spo2 = await overview('SpO2');
    expect(metrics(spo2)).toEqual(['fitbit', 'fitbit nightly', 'withings']);
    within(values(spo2, 'spo2'), 90, 100);
    const hrv = await overview('Heart-rate variability');
    expect(metrics(hrv)).toEqual(['fitbit', 'fitbit nightly']);
    within(values(hrv, 'rmssd'), 15, 90);
    const breathing = await overview('Breathing rate');
    expect(metrics(breathing)).toEqual(['fitbit', 'fitbit daily']);
    within(values(breathing, 'breathing'), 10, 22);
    const temperature = await overview('Skin and body temperature');
    expect(metrics(temperature)).toEqual(['fitbit skin, night', 'withings skin']);
    within(values(temperature, 'temperature'), 31, 37);
    const vo2 = await overview('VO2 max');
    expect(metrics(vo2)).toEqual(['fitbit daily', 'withings']);
    within(values(vo2, 'vo2max'), 30, 55);

    // A nightly summary is drawn at its date's midnight, with the value the vendor gave for that date.
    // Fitbit's: the seeded Polar watch's nights carry only Nightly Recharge (its own panel).
    const nightly = (await own
      .db('daily_vitals')
      .where({ participant_id: seeded.participantId, source: 'fitbit' })
      .orderBy('local_date')
      .select(own.db.raw("DATE_FORMAT(local_date, '%Y-%m-%d') AS day"), 'spo2_avg_pct', 'hrv_rmssd_ms')) as {
      day: string;
      spo2_avg_pct: number;
      hrv_rmssd_ms: number;
    }[];
    expect(nightly.length).toBeGreaterThanOrEqual(2);
    const drawn = (rows: Record<string, unknown>[], metric: string, column: string) =>
      rows
        .filter((r) => r.metric === metric)
        .map((r) => ({ day: new Date(epochMs(r.time)).toISOString().slice(0, 10), value: Number(r[column]) }));
    expect(drawn(spo2, 'fitbit nightly', 'spo2')).toEqual(nightly.map((n) => ({ day: n.day, value: n.spo2_avg_pct })));
    expect(drawn(hrv, 'fitbit nightly', 'rmssd')).toEqual(nightly.map((n) => ({ day: n.day, value: n.hrv_rmssd_ms })));
  });

  it('draw Polar’s cardio load, Nightly Recharge and SleepWise alertness as the watch gave them, history over prediction', async () => {
    const dayOf = (r: Record<string, unknown>) => new Date(epochMs(r.time)).toISOString().slice(0, 10);
    const load = await overview('Cardio load');
    expect(metrics(load)).toEqual(['polar']);
    expect(load.length).toBeGreaterThanOrEqual(2);
    for (const r of load) {
      const day = seededPolarDay(dayOf(r));
      expect([r['cardio load'], r.strain, r.tolerance].map(Number)).toEqual([day.trimp, day.strain, day.tolerance]);
    }
    const recharge = await overview('Nightly Recharge');
    expect(metrics(recharge)).toEqual(['polar']);
    expect(recharge.length).toBeGreaterThanOrEqual(2);
    for (const r of recharge) {
      const day = seededPolarDay(dayOf(r));
      expect([r['ANS charge'], r['recharge status']].map(Number)).toEqual([day.ansCharge, day.rechargeStatus]);
    }
    const alertness = await overview('SleepWise alertness');
    expect(metrics(alertness)).toEqual(['polar', 'polar prediction']);
    const measured = alertness.filter((r) => r.metric === 'polar');
    expect(measured.length).toBeGreaterThanOrEqual(2);
    for (const r of measured) expect(Number(r.alertness)).toBe(seededPolarDay(dayOf(r)).alertness);
    // The prediction overlapping a measured period is not drawn; the night's, which none overlaps, is.
    expect(
      values(
        alertness.filter((r) => r.metric === 'polar prediction'),
        'alertness'
      )
    ).toEqual([SEEDED_ALERTNESS_PREDICTIONS.shown]);
    const stored = (await own
      .db('sleepwise_periods')
      .where({ participant_id: seeded.participantId, kind: 'alertness', result_type: 'prediction' })
      .select('grade')) as { grade: number }[];
    expect(stored.map((p) => p.grade).sort()).toEqual(
      [SEEDED_ALERTNESS_PREDICTIONS.shown, SEEDED_ALERTNESS_PREDICTIONS.hidden].sort()
    );
  });

  it('list each wearable’s workouts in minutes, kilometres and kilocalories, newest first', async () => {
    const rows = await overview('Workouts');
    for (const r of rows) expect(['fitbit', 'polar', 'withings']).toContain(r.source);
    const walks = rows.filter((r) => r.source === 'withings');
    // A lunchtime walk every day, 20–40 minutes at 80 m and 5 kcal a minute.
    expect(walks.length).toBeGreaterThanOrEqual(3);
    for (const w of walks) {
      const minutes = Number(w['duration (min)']);
      within([minutes], 20, 40);
      expect(w).toMatchObject({ device: 'ScanWatch', sport: 'Walk', entry: 'device' });
      expect(Number(w['distance (km)'])).toBeCloseTo(minutes * 0.08, 6);
      expect(Number(w['calories (kcal)'])).toBe(minutes * 5);
      expect(String(w['local start'])).toMatch(/ 1[23]:\d\d$/);
    }
    const starts = rows.map((r) => String(r['local start']));
    expect(starts).toEqual([...starts].sort().reverse());
  });

  it('count, per participant and measurement, the days of the range with data', async () => {
    const rows = await rowsOf('vigil-cohort-compliance', 'Wearable coverage');
    expect(rows.map((r) => r.participant)).toContain(seeded.label);
    const row = rows.find((r) => r.participant === seeded.label)!;
    const times = async (table: string, column: string, where: (q: Knex.QueryBuilder) => void = () => {}) => {
      const q: Knex.QueryBuilder = own.db(table).where({ participant_id: seeded.participantId });
      where(q);
      return ((await q.select(column)) as Record<string, Date>[]).map((r) => r[column]!);
    };
    const notNull = (column: string) => (q: Knex.QueryBuilder) => void q.whereNotNull(column);
    // Readings count on their UTC day, in the whole UTC days the range touches.
    const firstDay = seeded.from.toISOString().slice(0, 10);
    const lastDay = seeded.to.toISOString().slice(0, 10);
    const inDays = (x: Date) =>
      x >= new Date(`${firstDay}T00:00:00Z`) && x < new Date(Date.parse(`${lastDay}T00:00:00Z`) + 86_400_000);
    const daysOf = (t: Date[]) => t.filter(inDays).map((x) => x.toISOString().slice(0, 10));
    const dated = async (column: string) =>
      (
        (await own
          .db('daily_vitals')
          .where({ participant_id: seeded.participantId })
          .whereNotNull(column)
          .select(own.db.raw("DATE_FORMAT(local_date, '%Y-%m-%d') AS d"))) as { d: string }[]
      )
        .map((r) => r.d)
        .filter((d) => d >= firstDay && d <= lastDay);
    const either = async (table: string, column: string, vitals: string, where?: (q: Knex.QueryBuilder) => void) => {
      return new Set([...daysOf(await times(table, column, where)), ...(await dated(vitals))]).size;
    };
    const features = async (feature: string) =>
      new Set(
        (
          (await own
            .db('daily_features')
            .where({ participant_id: seeded.participantId, feature })
            .whereNot({ source: 'phone' })
            .where('value', '>', 0)
            .select(own.db.raw("DATE_FORMAT(day, '%Y-%m-%d') AS d"))) as { d: string }[]
        )
          .map((r) => r.d)
          .filter((d) => d >= firstDay && d <= lastDay)
      ).size;
    const wholeDays = (t: Date[]) => new Set(daysOf(t)).size;
    const expected = {
      'heart rate': wholeDays(await times('heart_rate_minutes', 'minute')),
      steps: await features('steps'),
      sleep: await features('sleep_duration'),
      weight: wholeDays(await times('body_measurements', 'measured_at', notNull('weight_kg'))),
      'blood pressure': wholeDays(await times('body_measurements', 'measured_at', notNull('systolic_mmhg'))),
      'ECG / AFib': wholeDays(await times('heart_rhythm', 'recorded_at')),
      SpO2: await either('spo2', 'measured_at', 'spo2_avg_pct'),
      'skin temperature': await either(
        'body_measurements',
        'measured_at',
        'skin_temperature_c',
        notNull('skin_temperature_c')
      ),
      HRV: await either('hrv', 'measured_at', 'hrv_rmssd_ms'),
      breathing: await either('respiratory_rate', 'measured_at', 'breaths_per_min'),
      'VO2 max': await either('body_measurements', 'measured_at', 'vo2max_ml_min_kg', notNull('vo2max_ml_min_kg')),
      workouts: wholeDays(await times('exercises', 'start_at')),
      'days in range': (Date.parse(lastDay) - Date.parse(firstDay)) / 86_400_000 + 1,
    };
    expect(
      Object.fromEntries(
        Object.entries(row)
          .filter(([k]) => k !== 'participant')
          .map(([k, v]) => [k, Number(v)])
      )
    ).toEqual(expected);
    // Every measurement the seeded wearables give shows, so no count above is 0 = 0. At least one
    // day, not two: the synthetic scale skips about one morning in seven and the window's first
    // weigh-in falls before the pulls begin, so two failed of nine runs asking for two days.
    for (const [name, days] of Object.entries(expected)) expect(days, name).toBeGreaterThanOrEqual(1);
  });
});

describe('the Behaviour panels', () => {
  const byUid = (uid: string) => loadDashboards().find((d) => d.dashboard.uid === uid)!.dashboard;
  const query = async (dashboard: Dashboard, titleStart: string) => {
    const panel = allPanels(dashboard).find((p) => p.title.startsWith(titleStart)) ?? expect.fail(titleStart);
    const variables = await resolveVariables(dashboard);
    const result = await runSql(reader, renderQuery(panel.targets![0]!.rawSql!, context(seeded, variables, panel)).sql);
    const column = (name: string) => result.rows.map((r) => r[result.columns.findIndex((c) => c.name === name)]);
    return { result, column };
  };

  it('draw a feature with the participant’s baseline band around it', async () => {
    const home = await query(byUid('vigil-participant-overview'), 'Time at home');
    const values = home
      .column('time at home')
      .filter((v) => v !== null)
      .map(Number);
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect(v).toBeGreaterThan(0);
    const [low, high] = [home.column('baseline low').map(Number), home.column('baseline high').map(Number)];
    // One band for the whole range: the first weeks' mean ± 2 SD, wider than nothing.
    expect(new Set(low).size).toBe(1);
    expect(high[0]!).toBeGreaterThan(low[0]!);
  });

  it('draw walking time and cadence (phone) with their bands, and phone steps beside each wearable’s', async () => {
    const overview = byUid('vigil-participant-overview');
    const walking = await query(overview, 'Walking time');
    const seconds = walking
      .column('walking time')
      .filter((v) => v !== null)
      .map(Number);
    // The seeded history walks 6–10 minutes an evening under the duty cycle (180–300 s sampled); the
    // range reaches back into its last days only, and the emulated phone's own hours walk none.
    expect(Math.max(...seconds)).toBeGreaterThan(150);
    for (const s of seconds) expect(s).toBeGreaterThanOrEqual(0);
    expect(Number(walking.column('baseline high')[0])).toBeGreaterThan(Number(walking.column('baseline low')[0]));
    const cadence = (await query(overview, 'Cadence')).column('cadence').filter((v) => v !== null);
    expect(cadence.length).toBeGreaterThan(0);
    for (const c of cadence.map(Number)) expect(Math.abs(c - 1.75)).toBeLessThanOrEqual(0.2);
    const steps = await query(overview, 'Phone and wearable steps');
    expect([...new Set(steps.column('metric').map(String))].sort()).toEqual(['fitbit', 'phone', 'polar']);
  });

  it('colour the cohort heatmap by SD from each participant’s own baseline', async () => {
    const cohort = await query(byUid('vigil-cohort-compliance'), 'Behaviour: $feature');
    expect([...new Set(cohort.column('metric'))]).toEqual([seeded.label]);
    expect(cohort.column('z').some((z) => z !== null && Math.abs(Number(z)) < 10)).toBe(true);
  });
});

describe('the survey delivery funnel panels', () => {
  const byUid = (uid: string) => loadDashboards().find((d) => d.dashboard.uid === uid)!.dashboard;
  const funnel = async (uid: string) => {
    const dashboard = byUid(uid);
    const panel = allPanels(dashboard).find((p) => p.title.startsWith('Survey delivery funnel')) ?? expect.fail(uid);
    const variables = await resolveVariables(dashboard);
    const result = await runSql(reader, renderQuery(panel.targets![0]!.rawSql!, context(seeded, variables, panel)).sql);
    const names = result.columns.map((c) => c.name);
    return result.rows.map((r) =>
      Object.fromEntries(
        names.map((n, i) => [n, typeof r[i] === 'string' && n !== 'day' && n !== 'survey' ? Number(r[i]) : r[i]])
      )
    );
  };

  it('show the seeded phone’s two pushes: one sent and taken, one refused yet taken from the phone’s own alarm', async () => {
    const [first, second] = seeded.survey.days;
    // Newest day first. An Android phone never confirms a push, so nothing is delivered.
    const expected = [
      {
        day: second,
        survey: seeded.survey.name,
        due: 1,
        sent: 0,
        delivered: 0,
        opened: 1,
        submitted: 1,
        failed: 1,
        skipped: 0,
      },
      {
        day: first,
        survey: seeded.survey.name,
        due: 1,
        sent: 1,
        delivered: 0,
        opened: 1,
        submitted: 1,
        failed: 0,
        skipped: 0,
      },
    ];
    expect(await funnel('vigil-participant-overview')).toEqual(expected);
    // The study has that one phone.
    expect(await funnel('vigil-cohort-compliance')).toEqual(expected);
  });
});

type Rule = {
  uid: string;
  data: {
    refId: string;
    relativeTimeRange?: { from: number; to: number };
    datasourceUid: string;
    model: { rawSql?: string; format?: string };
  }[];
};

/**
 * A rule's query as Grafana evaluates it: provisioning reads `$$` as a literal `$`, and the time
 * range is the query's relative range ending at the evaluation, which is now (the test's clock).
 */
function alertQuery(query: Rule['data'][number]): string {
  const range = query.relativeTimeRange ?? expect.fail(`${query.refId}: no relativeTimeRange`);
  const now = Date.now();
  const fromMs = now - range.from * 1000;
  const toMs = now - range.to * 1000;
  const { intervalMs, interval } = panelInterval(toMs - fromMs, 43_200, '1s');
  return renderQuery((query.model.rawSql ?? '').replaceAll('$$', '$'), {
    fromMs,
    toMs,
    intervalMs,
    interval,
    variables: [],
  }).sql;
}

describe('alert rules', () => {
  const scratch = scratchDir();
  afterAll(scratch.remove);
  const file = yamlToJson<{ groups: { rules: Rule[] }[] }>(
    readFileSync(join(repoRoot, 'provisioning/alerting/vigil.yaml'), 'utf8'),
    scratch.path
  );
  const rules = file.groups.flatMap((g) => g.rules);

  const run = async (uid: string) => {
    const rule = rules.find((r) => r.uid === uid) ?? expect.fail(`no rule ${uid}`);
    const query = rule.data.find((d) => d.datasourceUid === 'vigil-mysql') ?? expect.fail('no SQL query');
    const result = await runSql(reader, alertQuery(query));
    expect(
      result.columns.filter((c) => c.kind === 'number'),
      `${uid}: one numeric column`
    ).toHaveLength(1);
    return result;
  };

  it('every rule is a table query with one numeric column', async () => {
    for (const rule of rules) await run(rule.uid);
  });

  it('fires for the connection that needs consent again, labelled by participant and provider', async () => {
    const result = await run('vigil-needs-reconsent');
    const names = result.columns.map((c) => c.name);
    expect(result.rows.map((r) => [r[names.indexOf('participant')], r[names.indexOf('provider')]])).toEqual([
      [seeded.label, 'withings'],
    ]);
  });

  it('fires when time at home is above the baseline band three days running, and only then', async () => {
    const study = await insertStudy(own.db);
    const today = new Date(Date.now()).toISOString().slice(0, 10);
    // Baseline: 28 days alternating 10 and 12 h (mean 11, SD 1, band up to 13), then 9 days at 11,
    // then the three days before today.
    const lastThree: Record<string, number[]> = {
      'home-up3': [16, 15, 14],
      'home-up2': [16, 16, 11],
      'home-normal': [12, 11, 12.5],
    };
    const participants = new Map<number, string>();
    for (const [name, last] of Object.entries(lastThree)) {
      const label = `${name}-${suffix}`;
      const p = await insertParticipant(own.db, study.id, { label });
      participants.set(p.id, label);
      const values = [
        ...Array.from({ length: 28 }, (_, i) => (i % 2 === 0 ? 10 : 12)),
        ...Array<number>(9).fill(11),
        ...last,
      ];
      await own.db('daily_features').insert(
        values.map((value: number, i) => ({
          participant_id: p.id,
          day: addDays(today, i - values.length),
          feature: 'home_time',
          source: 'phone',
          value,
          coverage: 1,
          version: 1,
          computed_at: new Date(),
        }))
      );
    }
    const result = await run('vigil-home-time-up');
    const names = result.columns.map((c) => c.name);
    const fired = result.rows
      .map((r) => [r[names.indexOf('participant')], Number(r[names.indexOf('days')])])
      .filter(([label]) => [...participants.values()].includes(String(label)));
    expect(fired).toEqual([[`home-up3-${suffix}`, 3]]);
  });

  it('sees the phone as heard from (it just sent a heartbeat) and the queue as fresh', async () => {
    expect((await run('vigil-phone-silent')).rows).toEqual([]);
    const queue = await run('vigil-queue-backlog');
    expect(Number(queue.rows[0]?.[0])).toBeLessThan(30);
  });
});

describe('the push panels (ingest operations)', () => {
  const operations = loadDashboards().find((d) => d.dashboard.uid === 'vigil-ingest-operations')!.dashboard;
  const query = async (title: string) => {
    const panel = allPanels(operations).find((p) => p.title === title) ?? expect.fail(title);
    const variables = await resolveVariables(operations);
    // The panels read "now" from the database: the session's clock is the test's (which faketime may move).
    await reader.query('SET timestamp = ?', [Date.now() / 1000]);
    const result = await runSql(reader, renderQuery(panel.targets![0]!.rawSql!, context(seeded, variables, panel)).sql);
    await reader.query('SET timestamp = DEFAULT');
    return result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, r[i]])));
  };

  it('show what the sender recorded: Google refusing the account since when, the errors of the last 24 h by class, the pushes due but unsent', async () => {
    const sim = await startFirebaseSimulator();
    const dir = scratchDir();
    try {
      const vault = testVault();
      const config = loadConfig({
        ...process.env,
        NODE_ENV: 'test',
        VIGIL_FCM_BASE_URL: sim.url,
        VIGIL_GOOGLE_OAUTH_BASE_URL: sim.url,
      });
      const deps = testDeps({
        db: own.db,
        clock: () => new Date(),
        vault,
        archiveStore: createLocalArchiveStore(dir.path),
        config,
      });
      const account = sim.createServiceAccount('vigil-grafana');
      await saveCredentials(own.db, vault, { serviceAccount: ServiceAccount.parse(account) }, 'test', new Date());
      expect(await query('Push sending: Firebase credential and backlog')).toEqual([
        expect.objectContaining({
          credential: 'accepted',
          project: 'vigil-grafana',
          'refused since (UTC)': null,
          'due, unsent': 0,
        }),
      ]);

      // The seed's own survey pushes (the funnel's) may hold errors already: count what this test adds.
      const errorCounts = async () =>
        (await query('FCM errors in the last 24 hours, by class')).map(
          (r) => [r.class, Number(r['pushes (24 h)']), Number(r['still retrying'])] as const
        );
      const seededErrors = await errorCounts();

      const send = createPushSender(deps);
      const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
      const phone = async (token: boolean) => {
        const p = await insertParticipant(own.db, seeded.studyId);
        const value = `cGFuZWwtcGhvbmUt${p.id}:APA91b${'p'.repeat(140)}`;
        if (token)
          await own.db('beiwe_fcm_tokens').insert({ participant_id: p.id, token: value, created_at: new Date() });
        return { id: p.id, token: value };
      };
      const due = (participantId: number, at: Date) =>
        own.db('push_notifications').insert({
          participant_id: participantId,
          kind: 'heartbeat',
          scheduled_for: at,
          time_zone: 'UTC',
          uuid: `00000000-0000-4000-8000-${String(participantId).padStart(12, '0')}`,
          dedupe_key: `panel:${participantId}`,
          state: 'scheduled',
          due_at: at,
          next_attempt_at: at,
          platform: 'ANDROID',
          created_at: at,
        });
      // An app removed from its phone, a phone that never sent a token, a push due while the scheduler was down.
      const gone = await phone(true);
      sim.unregister(gone.token);
      await due(gone.id, minutesAgo(1));
      await due((await phone(false)).id, minutesAgo(1));
      await due((await phone(true)).id, minutesAgo(120));
      expect(await send(new Date())).toMatchObject({ failed: 2, skipped: 1 });
      // Firebase over quota: retried later.
      await due((await phone(true)).id, minutesAgo(1));
      sim.failNext('QUOTA_EXCEEDED', 1, 60);
      expect(await send(new Date())).toMatchObject({ retried: 1 });
      // The service account's key deleted in Google's console: the push stays due, sending stops.
      sim.deleteKey(account);
      await due((await phone(true)).id, minutesAgo(5));
      const before = new Date(Date.now() - 1000);
      expect(await send(new Date())).toMatchObject({ stopped: 'credential_problem' });

      const [credential] = await query('Push sending: Firebase credential and backlog');
      expect(credential).toMatchObject({
        credential: 'refused by Google: nothing is sent',
        project: 'vigil-grafana',
        'Google said': expect.stringMatching(/^token_refused: /) as unknown,
        'due, unsent': 1,
        'oldest due (minutes)': 5,
      });
      expect((credential!['refused since (UTC)'] as Date).getTime()).toBeGreaterThanOrEqual(before.getTime());
      const added = (await errorCounts()).map(([name, pushes, retrying], i) => [
        name,
        pushes - seededErrors[i]![1],
        retrying - seededErrors[i]![2],
      ]);
      expect(added).toEqual([
        ['token unregistered (retired)', 1, 0],
        ['no phone token', 1, 0],
        ['quota exceeded (retried)', 1, 1],
        ['FCM unavailable (retried)', 0, 0],
        ['message refused', 0, 0],
        ['credential refused (test push)', 0, 0],
        ['too late (skipped)', 1, 0],
      ]);
    } finally {
      await sim.close();
      dir.remove();
    }
  });
});

describe('the reader grants', () => {
  it('reads data tables and status columns but no secrets', async () => {
    await expect(reader.query('SELECT COUNT(*) FROM accelerometer')).resolves.toBeDefined();
    await expect(reader.query('SELECT last_upload_at FROM beiwe_participants')).resolves.toBeDefined();
    await expect(reader.query('SELECT state, errors FROM wearable_pull_jobs')).resolves.toBeDefined();
    await expect(reader.query('SELECT state, local_day, sent_at FROM push_notifications')).resolves.toBeDefined();
    await expect(reader.query('SELECT object_id, name FROM surveys')).resolves.toBeDefined();
    for (const sql of [
      'SELECT password_hash FROM beiwe_participants',
      'SELECT private_key_sealed FROM beiwe_participants',
      'SELECT tokens_sealed FROM device_connections',
      'SELECT * FROM connect_links',
      'SELECT * FROM study_archive_keys',
      'SELECT * FROM audit_log',
      'SELECT * FROM beiwe_fcm_tokens',
      'SELECT requested_by FROM wearable_pull_jobs',
      'SELECT service_account_sealed FROM push_credentials',
      'SELECT android_json_sealed FROM push_credentials',
      'SELECT lease_holder FROM push_notifications',
      'SELECT fcm_message_id FROM push_notifications',
      'SELECT content FROM surveys',
      'SELECT * FROM push_credentials',
    ]) {
      await expect(reader.query(sql), sql).rejects.toThrow(/denied/);
    }
    await expect(reader.query('DELETE FROM accelerometer')).rejects.toThrow(/denied/);
  });
});
