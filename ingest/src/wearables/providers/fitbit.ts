import { z } from 'zod';
import { googleHealthGet, retryingGoogle } from '../../providers/fitbit/health-api.ts';
import { DEFAULT_QUOTAS } from '../budget.ts';
import type { Batch, SleepStage } from '../rows.ts';
import { emptyBatch } from '../rows.ts';
import { localDate, utcDate } from '../time.ts';
import type { DataSource, PullEnv, Window } from './source.ts';
import { durationSeconds, WHOLE_RANGE } from './source.ts';

/**
 * Fitbit through the Google Health API (google-health-api.md §2, §3): `list` per data type with a
 * physical-time (or, for daily types, date) filter, following `nextPageToken`. Only points the
 * Fitbit device recorded (platform FITBIT) are kept: the clinical record is the prescribed device,
 * and a phone's overlapping steps would otherwise double the count.
 */

const MAX_PAGES = 1000;

/**
 * Each list asks for the largest page the docs allow (10,000; sleep 25: google-health-api.md §3.3),
 * so a day of heart rate costs one call where the default 1,440 would take several.
 */
type TypeSpec = { id: string; filter: (w: Window) => string; maxDays: number; pageSize?: number };
const MAX_PAGE_SIZE = 10_000;

const physical = (token: string, member: string) => (w: Window) =>
  `${token}.${member} >= "${w.from.toISOString()}" AND ${token}.${member} < "${w.to.toISOString()}"`;
const dated = (token: string) => (w: Window) =>
  `${token}.date >= "${utcDate(w.from)}" AND ${token}.date < "${utcDate(new Date(w.to.getTime() + 86_399_999))}"`;

/** Range limits per list request: HR-heavy types in 14-day windows, the rest in 90 (§3.3, §4). */
const TYPES: Record<string, TypeSpec> = {
  steps: { id: 'steps', filter: physical('steps', 'interval.start_time'), maxDays: 90 },
  heartRate: { id: 'heart-rate', filter: physical('heart_rate', 'sample_time.physical_time'), maxDays: 14 },
  restingHeartRate: { id: 'daily-resting-heart-rate', filter: dated('daily_resting_heart_rate'), maxDays: 90 },
  sleep: { id: 'sleep', filter: physical('sleep', 'interval.end_time'), maxDays: 90, pageSize: 25 },
  weight: { id: 'weight', filter: physical('weight', 'sample_time.physical_time'), maxDays: 90 },
  spo2: { id: 'oxygen-saturation', filter: physical('oxygen_saturation', 'sample_time.physical_time'), maxDays: 90 },
  hrv: {
    id: 'heart-rate-variability',
    filter: physical('heart_rate_variability', 'sample_time.physical_time'),
    maxDays: 90,
  },
};

const Source = z.object({
  platform: z.string().optional(),
  device: z.object({ displayName: z.string().optional() }).optional(),
});
const SampleTime = z.object({ physicalTime: z.string(), utcOffset: z.string().optional() });
const Interval = z.object({
  startTime: z.string(),
  endTime: z.string(),
  startUtcOffset: z.string().optional(),
  endUtcOffset: z.string().optional(),
});
const CivilDate = z.object({ year: z.number(), month: z.number(), day: z.number() });
const Point = z.looseObject({
  name: z.string().optional(),
  dataSource: Source.optional(),
  steps: z.object({ count: z.coerce.number(), interval: Interval }).optional(),
  heartRate: z.object({ beatsPerMinute: z.coerce.number(), sampleTime: SampleTime }).optional(),
  dailyRestingHeartRate: z.object({ date: CivilDate, beatsPerMinute: z.coerce.number() }).optional(),
  weight: z.object({ weightGrams: z.coerce.number(), sampleTime: SampleTime }).optional(),
  oxygenSaturation: z.object({ percentage: z.coerce.number(), sampleTime: SampleTime }).optional(),
  heartRateVariability: z
    .object({
      rootMeanSquareOfSuccessiveDifferencesMilliseconds: z.coerce.number().optional(),
      standardDeviationMilliseconds: z.coerce.number().optional(),
      sampleTime: SampleTime,
    })
    .optional(),
  sleep: z
    .object({
      interval: Interval,
      stages: z.array(Interval.extend({ type: z.string() })).optional(),
      summary: z
        .object({
          minutesAsleep: z.coerce.number().optional(),
          minutesAwake: z.coerce.number().optional(),
          stagesSummary: z.array(z.object({ type: z.string(), minutes: z.coerce.number() })).optional(),
        })
        .optional(),
    })
    .optional(),
});
type Point = z.infer<typeof Point>;
const Page = z.object({ dataPoints: z.array(Point).optional(), nextPageToken: z.string().optional() });
const Devices = z.object({
  pairedDevices: z
    .array(
      z.object({
        name: z.string(),
        deviceType: z.string().optional(),
        deviceVersion: z.string().optional(),
        batteryStatus: z.string().optional(),
        batteryLevel: z.number().optional(),
        lastSyncTime: z.string().optional(),
      })
    )
    .optional(),
});

const STAGES: Record<string, SleepStage> = {
  AWAKE: 'awake',
  LIGHT: 'light',
  DEEP: 'deep',
  REM: 'rem',
  ASLEEP: 'asleep',
  RESTLESS: 'restless',
};

const offsetMin = (s: string | undefined) => Math.round(durationSeconds(s ?? '0s') / 60);
const deviceOf = (p: Point) => p.dataSource?.device?.displayName ?? null;
const fromFitbit = (p: Point) => p.dataSource?.platform === undefined || p.dataSource.platform === 'FITBIT';

async function listAll(env: PullEnv, token: string, spec: TypeSpec, w: Window): Promise<Point[]> {
  const base = `${env.config.fitbit.apiUrl}/v4/users/me/dataTypes/${spec.id}/dataPoints`;
  const points: Point[] = [];
  let pageToken = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({
      filter: spec.filter(w),
      pageSize: String(spec.pageSize ?? MAX_PAGE_SIZE),
      ...(pageToken && { pageToken }),
    });
    const body = await limitedGet(env, `${base}?${query.toString()}`, token);
    const parsed = Page.parse(body);
    points.push(...(parsed.dataPoints ?? []).filter(fromFitbit));
    pageToken = parsed.nextPageToken ?? '';
    if (pageToken === '') return points;
  }
  throw new Error(`${spec.id}: more than ${MAX_PAGES} pages`);
}

const limitedGet = (env: PullEnv, url: string, token: string) =>
  retryingGoogle(() =>
    env.budgets.limited([[`fitbit:user:${env.connectionId}`, DEFAULT_QUOTAS.fitbitUser]], () =>
      googleHealthGet(env.fetchFn, url, token)
    )
  );

function toBatch(type: string, points: Point[]): Batch {
  const b = emptyBatch();
  for (const p of points) {
    const device = deviceOf(p);
    if (type === 'steps' && p.steps) {
      b.steps.push({
        device,
        start_at: new Date(p.steps.interval.startTime),
        end_at: new Date(p.steps.interval.endTime),
        utc_offset_min: offsetMin(p.steps.interval.startUtcOffset),
        steps: p.steps.count,
      });
    } else if (type === 'heartRate' && p.heartRate) {
      const t = p.heartRate.sampleTime;
      b.heartRate.push({
        device,
        context: 'intraday',
        measured_at: new Date(t.physicalTime),
        utc_offset_min: offsetMin(t.utcOffset),
        bpm: p.heartRate.beatsPerMinute,
      });
    } else if (type === 'restingHeartRate' && p.dailyRestingHeartRate) {
      const { year, month, day } = p.dailyRestingHeartRate.date;
      const local = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      b.restingHeartRate.push({ device, local_date: local, bpm: p.dailyRestingHeartRate.beatsPerMinute });
    } else if (type === 'weight' && p.weight) {
      const t = p.weight.sampleTime;
      b.body.push({
        device,
        measured_at: new Date(t.physicalTime),
        utc_offset_min: offsetMin(t.utcOffset),
        weight_kg: p.weight.weightGrams / 1000,
      });
    } else if (type === 'spo2' && p.oxygenSaturation) {
      const t = p.oxygenSaturation.sampleTime;
      b.spo2.push({
        device,
        measured_at: new Date(t.physicalTime),
        utc_offset_min: offsetMin(t.utcOffset),
        spo2_pct: p.oxygenSaturation.percentage,
      });
    } else if (type === 'hrv' && p.heartRateVariability) {
      const h = p.heartRateVariability;
      b.hrv.push({
        device,
        measured_at: new Date(h.sampleTime.physicalTime),
        utc_offset_min: offsetMin(h.sampleTime.utcOffset),
        rmssd_ms: h.rootMeanSquareOfSuccessiveDifferencesMilliseconds ?? null,
        sdnn_ms: h.standardDeviationMilliseconds ?? null,
      });
    } else if (type === 'sleep' && p.sleep) {
      b.sleepSessions.push(sleepRow(p, p.sleep, device));
    }
  }
  return b;
}

function sleepRow(p: Point, s: NonNullable<Point['sleep']>, device: string | null) {
  const end = new Date(s.interval.endTime);
  const offset = offsetMin(s.interval.endUtcOffset);
  const minutes = (t: string) => {
    const m = s.summary?.stagesSummary?.find((x) => x.type === t)?.minutes;
    return m === undefined ? null : m * 60;
  };
  return {
    device,
    session_id: p.name ?? `sleep:${s.interval.startTime}`,
    start_at: new Date(s.interval.startTime),
    end_at: end,
    utc_offset_min: offset,
    local_date: localDate(end, offset),
    asleep_s: s.summary?.minutesAsleep === undefined ? null : s.summary.minutesAsleep * 60,
    awake_s: s.summary?.minutesAwake === undefined ? null : s.summary.minutesAwake * 60,
    light_s: minutes('LIGHT'),
    deep_s: minutes('DEEP'),
    rem_s: minutes('REM'),
    score: null,
    stages: (s.stages ?? []).map((st) => ({
      start_at: new Date(st.startTime),
      end_at: new Date(st.endTime),
      utc_offset_min: offsetMin(st.startUtcOffset),
      stage: STAGES[st.type] ?? 'unknown',
    })),
  };
}

async function devices(env: PullEnv, token: string): Promise<Batch> {
  const b = emptyBatch();
  const body = Devices.parse(
    await limitedGet(env, `${env.config.fitbit.apiUrl}/v4/users/me/pairedDevices?pageSize=100`, token)
  );
  for (const d of body.pairedDevices ?? []) {
    b.devices.push({
      device_id: d.name.split('/').pop() ?? d.name,
      model: d.deviceVersion ?? null,
      device_type: d.deviceType ?? null,
      battery_pct: d.batteryLevel ?? null,
      battery_status: d.batteryStatus ?? null,
      last_sync_at: d.lastSyncTime ? new Date(d.lastSyncTime) : null,
    });
  }
  return b;
}

export const fitbitSource: DataSource = {
  types: [
    ...Object.entries(TYPES).map(([name, spec]) => ({ name, maxDays: spec.maxDays })),
    { name: 'devices', maxDays: WHOLE_RANGE },
  ],
  async fetch(env, token, type, window) {
    if (type === 'devices') return devices(env, token);
    const spec = TYPES[type];
    if (!spec) throw new Error(`unknown Fitbit data type ${type}`);
    return toBatch(type, await listAll(env, token, spec, window));
  },
};
