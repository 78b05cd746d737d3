import { z } from 'zod';
import { googleHealthGet, googleHealthPost, retryingGoogle } from './health-api.ts';
import { DEFAULT_QUOTAS } from '../../wearables/budget.ts';
import type { Batch, DailyVitalsRow, Entry, ExerciseZone, HeartRhythmRow, SleepStage } from '../../wearables/rows.ts';
import { emptyBatch } from '../../wearables/rows.ts';
import { localDate, utcDate } from '../../wearables/time.ts';
import type { DataSource, PullEnv, Window } from '../../wearables/source.ts';
import { durationSeconds, WHOLE_RANGE } from '../../wearables/source.ts';

/**
 * Fitbit through the Google Health API (google-health-api.md §2, §3, §9.3): `list` per data type
 * with a physical-time (daily types: date; exercise: civil-time) filter, following `nextPageToken`.
 * Only points the Fitbit device recorded (platform FITBIT) are kept: the clinical record is the
 * prescribed device, and a phone's overlapping steps would otherwise double the count. The day's
 * totals come from the trackers' `dailyRollUp`, as the Fitbit app shows them. Each point's
 * `recordingMethod` is kept as `entry`, so what the patient typed in is told from measurements.
 *
 * `list` or `reconcile` (§0 item 6, §3.4, §11.1): every row Vigil stores per reading comes from
 * `list`, because only `list` says which source and device recorded a point and how (a
 * `ReconciledDataPoint` has no `dataSource`, so neither the device nor a manual entry could be told
 * apart, and Vigil's own source priorities need both). `reconcile` is used where Vigil sums a
 * stream over time, which two overlapping trackers would count twice in `list`, and no roll-up is
 * offered for it: the day's active time from `activity-level`, a type Google's data-types page
 * gives list and reconcile only (§8 item 12: the discovery document's roll-up value for it
 * conflicts with that page and is not relied on). It reads the trackers' family
 * (`google-wearables`), as the daily roll-ups do.
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
/**
 * The dates a window touches, end exclusive. Daily values are dated in the patient's zone, and a
 * day west of UTC goes on after UTC midnight: the range starts a date before the window's own.
 */
const firstDate = (w: Window) => utcDate(new Date(w.from.getTime() - 86_400_000));
const lastDateAfter = (w: Window) => utcDate(new Date(w.to.getTime() + 86_399_999));
const dated = (token: string) => (w: Window) =>
  `${token}.date >= "${firstDate(w)}" AND ${token}.date < "${lastDateAfter(w)}"`;
/**
 * Exercise can be filtered only on civil (zone-less, the patient's local) time: the window is
 * widened by a day each side so that it covers the physical one in any zone (§3.8).
 */
const civil = (token: string, member: string) => (w: Window) => {
  const at = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  return `${token}.${member} >= "${at(w.from.getTime() - 86_400_000)}" AND ${token}.${member} < "${at(w.to.getTime() + 86_400_000)}"`;
};

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
  bodyFat: { id: 'body-fat', filter: physical('body_fat', 'sample_time.physical_time'), maxDays: 90 },
  vo2Max: { id: 'vo2-max', filter: physical('vo2_max', 'sample_time.physical_time'), maxDays: 90 },
  respiratorySleep: {
    id: 'respiratory-rate-sleep-summary',
    filter: physical('respiratory_rate_sleep_summary', 'sample_time.physical_time'),
    maxDays: 90,
  },
  dailyRespiratoryRate: { id: 'daily-respiratory-rate', filter: dated('daily_respiratory_rate'), maxDays: 90 },
  dailySpo2: { id: 'daily-oxygen-saturation', filter: dated('daily_oxygen_saturation'), maxDays: 90 },
  dailyHrv: { id: 'daily-heart-rate-variability', filter: dated('daily_heart_rate_variability'), maxDays: 90 },
  skinTemperature: {
    id: 'daily-sleep-temperature-derivations',
    filter: dated('daily_sleep_temperature_derivations'),
    maxDays: 90,
  },
  dailyVo2Max: { id: 'daily-vo2-max', filter: dated('daily_vo2_max'), maxDays: 90 },
  exercise: { id: 'exercise', filter: civil('exercise', 'interval.civil_start_time'), maxDays: 90, pageSize: 25 },
  // ECG takes a lower bound only (§3.3): what lies past the window is dropped when read.
  ecg: {
    id: 'electrocardiogram',
    filter: (w) => `electrocardiogram.interval.start_time >= "${w.from.toISOString()}"`,
    maxDays: 90,
  },
  // A session type, filtered on civil time as exercise is.
  irn: {
    id: 'irregular-rhythm-notification',
    filter: civil('irregular_rhythm_notification', 'interval.civil_start_time'),
    maxDays: 90,
  },
};

/**
 * Daily totals as the Fitbit app shows them come from `dailyRollUp` (§3.6): one call per type for
 * a whole window of civil days, limited to the trackers (`google-wearables`) so that a phone's
 * steps are not added in. The range cap is 90 days, counted inclusively; a window of 88 days
 * touches at most 89 dates, 90 with the date before. No `pageSize` is sent (§3.6, §8 item 3).
 */
const ROLLUPS = ['steps', 'distance', 'active-zone-minutes'] as const;
const ROLLUP_DAYS = 88;
const WEARABLES_ONLY = 'users/me/dataSourceFamilies/google-wearables';

/**
 * Active time: the trackers' merged activity levels, summed per local day over every level but
 * sedentary (Withings' soft + moderate + intense, Polar's active time). Read for the same whole
 * dates as the roll-ups, widened by 14 hours each side (the widest UTC offsets), so that every date
 * is summed whole in any zone; a day on the edge of the read is left out rather than cut short.
 */
const ACTIVE_LEVELS = new Set(['LIGHTLY_ACTIVE', 'MODERATELY_ACTIVE', 'VERY_ACTIVE']);
const ZONE_MARGIN_MS = 14 * 3_600_000;
const activityLevelFilter = (first: string, afterLast: string) =>
  physical(
    'activity_level',
    'interval.start_time'
  )({
    from: new Date(Date.parse(`${first}T00:00:00Z`) - ZONE_MARGIN_MS),
    to: new Date(Date.parse(`${afterLast}T00:00:00Z`) + ZONE_MARGIN_MS),
  });

const Source = z.object({
  platform: z.string().optional(),
  recordingMethod: z.string().optional(),
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
const num = z.coerce.number().optional();
const BreathingStats = z.object({ breathsPerMinute: num }).optional();
const MedicalDevice = z.object({ deviceModel: z.string().optional() }).optional();
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
  bodyFat: z.object({ percentage: z.coerce.number(), sampleTime: SampleTime }).optional(),
  vo2Max: z.object({ vo2Max: z.coerce.number(), sampleTime: SampleTime }).optional(),
  respiratoryRateSleepSummary: z
    .object({
      sampleTime: SampleTime,
      fullSleepStats: z.object({ breathsPerMinute: z.coerce.number() }),
      deepSleepStats: BreathingStats,
      lightSleepStats: BreathingStats,
      remSleepStats: BreathingStats,
    })
    .optional(),
  dailyRespiratoryRate: z.object({ date: CivilDate, breathsPerMinute: z.coerce.number() }).optional(),
  dailyOxygenSaturation: z
    .object({
      date: CivilDate,
      averagePercentage: num,
      lowerBoundPercentage: num,
      upperBoundPercentage: num,
      standardDeviationPercentage: num,
    })
    .optional(),
  dailyHeartRateVariability: z
    .object({
      date: CivilDate,
      averageHeartRateVariabilityMilliseconds: num,
      deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds: num,
      entropy: num,
      nonRemHeartRateBeatsPerMinute: num,
    })
    .optional(),
  dailySleepTemperatureDerivations: z
    .object({
      date: CivilDate,
      nightlyTemperatureCelsius: z.coerce.number(),
      baselineTemperatureCelsius: num,
      relativeNightlyStddev30dCelsius: num,
    })
    .optional(),
  dailyVo2Max: z
    .object({
      date: CivilDate,
      vo2Max: z.coerce.number(),
      cardioFitnessLevel: z.string().optional(),
      estimated: z.boolean().optional(),
    })
    .optional(),
  exercise: z
    .object({
      interval: Interval,
      displayName: z.string().optional(),
      exerciseType: z.string().optional(),
      activeDuration: z.string().optional(),
      metricsSummary: z
        .object({
          caloriesKcal: num,
          distanceMillimeters: num,
          averageHeartRateBeatsPerMinute: num,
          heartRateZoneDurations: z
            .object({
              lightTime: z.string().optional(),
              moderateTime: z.string().optional(),
              vigorousTime: z.string().optional(),
              peakTime: z.string().optional(),
            })
            .optional(),
        })
        .optional(),
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
  electrocardiogram: z
    .object({
      interval: Interval,
      beatsPerMinuteAvg: num,
      samplingFrequencyHertz: num,
      resultClassification: z.string().optional(),
      medicalDeviceInfo: MedicalDevice,
    })
    .optional(),
  irregularRhythmNotification: z
    .object({
      alertWindows: z.array(Interval.extend({ positive: z.boolean().optional() })).optional(),
      medicalDeviceInfo: MedicalDevice,
    })
    .optional(),
});
type Point = z.infer<typeof Point>;
/** A listed point, and the point as Google sent it (archived whole where it holds a signal). */
type Listed = { point: Point; raw: unknown };
const Page = z.object({ dataPoints: z.array(z.unknown()).optional(), nextPageToken: z.string().optional() });
/** A `ReconciledDataPoint` (§11.1): the type's member and `dataPointName`, no `dataSource`. */
const ReconciledPage = z.object({
  dataPoints: z
    .array(
      z.looseObject({
        dataPointName: z.string().optional(),
        activityLevel: z.object({ activityLevelType: z.string().optional(), interval: Interval }).optional(),
      })
    )
    .optional(),
  nextPageToken: z.string().optional(),
});
type Reconciled = NonNullable<z.infer<typeof ReconciledPage>['dataPoints']>[number];
const Rollups = z.object({
  rollupDataPoints: z
    .array(
      z.looseObject({
        civilStartTime: z.object({ date: CivilDate }),
        steps: z.object({ countSum: num }).optional(),
        distance: z.object({ millimetersSum: num }).optional(),
        activeZoneMinutes: z
          .object({ sumInFatBurnHeartZone: num, sumInCardioHeartZone: num, sumInPeakHeartZone: num })
          .optional(),
      })
    )
    .optional(),
});
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
const isoDate = ({ year, month, day }: z.infer<typeof CivilDate>) =>
  `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;

/**
 * Google's `recordingMethod` (§3.1): typed in by the patient (`MANUAL`), or measured or computed
 * by the device; `UNKNOWN` or absent says nothing.
 */
const ENTRIES: Readonly<Record<string, Entry>> = {
  MANUAL: 'manual',
  PASSIVELY_MEASURED: 'device',
  ACTIVELY_MEASURED: 'device',
  DERIVED: 'device',
};
const entryOf = (p: Point): { entry?: Entry } => {
  const entry = ENTRIES[p.dataSource?.recordingMethod ?? ''];
  return entry ? { entry } : {};
};

/** Exercise time per zone, from the lightest: Google gives the durations but not the zones' bounds. */
const ZONES = ['lightTime', 'moderateTime', 'vigorousTime', 'peakTime'] as const;
const fromFitbit = (p: Point) => p.dataSource?.platform === undefined || p.dataSource.platform === 'FITBIT';

async function listAll(env: PullEnv, token: string, spec: TypeSpec, w: Window): Promise<Listed[]> {
  const base = `${env.config.fitbit.apiUrl}/v4/users/me/dataTypes/${spec.id}/dataPoints`;
  const points: Listed[] = [];
  let pageToken = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({
      filter: spec.filter(w),
      pageSize: String(spec.pageSize ?? MAX_PAGE_SIZE),
      ...(pageToken && { pageToken }),
    });
    const body = await limitedGet(env, `${base}?${query.toString()}`, token);
    const parsed = Page.parse(body);
    for (const raw of parsed.dataPoints ?? []) {
      const point = Point.parse(raw);
      if (fromFitbit(point)) points.push({ point, raw });
    }
    pageToken = parsed.nextPageToken ?? '';
    if (pageToken === '') return points;
  }
  throw new Error(`${spec.id}: more than ${MAX_PAGES} pages`);
}

/** `reconcile` of a type (§3.4): the same filter and paging as `list`, one merged stream of a source family. */
async function reconcileAll(
  env: PullEnv,
  token: string,
  type: string,
  filter: string,
  family: string
): Promise<Reconciled[]> {
  const base = `${env.config.fitbit.apiUrl}/v4/users/me/dataTypes/${type}/dataPoints:reconcile`;
  const points: Reconciled[] = [];
  let pageToken = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({
      filter,
      pageSize: String(MAX_PAGE_SIZE),
      dataSourceFamily: family,
      ...(pageToken && { pageToken }),
    });
    const parsed = ReconciledPage.parse(await limitedGet(env, `${base}?${query.toString()}`, token));
    points.push(...(parsed.dataPoints ?? []));
    pageToken = parsed.nextPageToken ?? '';
    if (pageToken === '') return points;
  }
  throw new Error(`${type}: more than ${MAX_PAGES} pages of reconcile`);
}

const limited = <T>(env: PullEnv, call: () => Promise<T>) =>
  retryingGoogle(() => env.budgets.limited([[`fitbit:user:${env.connectionId}`, DEFAULT_QUOTAS.fitbitUser]], call));
const limitedGet = (env: PullEnv, url: string, token: string) =>
  limited(env, () => googleHealthGet(env.fetchFn, url, token));

const civilDate = (iso: string) => {
  const [year, month, day] = iso.split('-').map(Number);
  return { date: { year, month, day } };
};

/** The window's days of steps, distance, active zone minutes and active time from the trackers, into `daily_activity`. */
async function dailyTotals(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const days = new Map<string, Batch['dailyActivity'][number]>();
  const dayOf = (date: string) => {
    let row = days.get(date);
    if (!row) {
      row = {
        device: null,
        local_date: date,
        steps: null,
        active_duration_s: null,
        calories_kcal: null,
        distance_m: null,
      };
      days.set(date, row);
    }
    return row;
  };
  for (const type of ROLLUPS) {
    const url = `${env.config.fitbit.apiUrl}/v4/users/me/dataTypes/${type}/dataPoints:dailyRollUp`;
    const request = {
      range: { start: civilDate(firstDate(w)), end: civilDate(lastDateAfter(w)) },
      windowSizeDays: 1,
      dataSourceFamily: WEARABLES_ONLY,
    };
    const body = Rollups.parse(await limited(env, () => googleHealthPost(env.fetchFn, url, token, request)));
    for (const r of body.rollupDataPoints ?? []) {
      const row = dayOf(isoDate(r.civilStartTime.date));
      if (r.steps?.countSum !== undefined) row.steps = r.steps.countSum;
      if (r.distance?.millimetersSum !== undefined) row.distance_m = r.distance.millimetersSum / 1000;
      if (r.activeZoneMinutes) {
        // proto3 leaves out zeros: a day with minutes in one zone has none in the others.
        row.fat_burn_azm = r.activeZoneMinutes.sumInFatBurnHeartZone ?? 0;
        row.cardio_azm = r.activeZoneMinutes.sumInCardioHeartZone ?? 0;
        row.peak_azm = r.activeZoneMinutes.sumInPeakHeartZone ?? 0;
      }
    }
  }
  const [first, afterLast] = [firstDate(w), lastDateAfter(w)];
  const levels = await reconcileAll(
    env,
    token,
    'activity-level',
    activityLevelFilter(first, afterLast),
    WEARABLES_ONLY
  );
  const active = new Map<string, number>();
  for (const p of levels) {
    const level = p.activityLevel;
    if (!level) continue;
    const i = level.interval;
    const date = localDate(new Date(i.startTime), offsetMin(i.startUtcOffset));
    if (date < first || date >= afterLast) continue;
    const seconds = ACTIVE_LEVELS.has(level.activityLevelType ?? '')
      ? (Date.parse(i.endTime) - Date.parse(i.startTime)) / 1000
      : 0;
    // A day the trackers classified only as sedentary had no active time: 0, not unknown.
    active.set(date, (active.get(date) ?? 0) + seconds);
  }
  for (const [date, seconds] of active) dayOf(date).active_duration_s = Math.round(seconds);
  b.dailyActivity.push(...days.values());
  return b;
}

function toBatch(type: string, points: Point[]): Batch {
  const b = emptyBatch();
  const vitals = (p: Point, date: z.infer<typeof CivilDate>, values: Omit<DailyVitalsRow, 'device' | 'local_date'>) =>
    b.dailyVitals.push({ device: deviceOf(p), local_date: isoDate(date), ...entryOf(p), ...values });
  for (const p of points) {
    const device = deviceOf(p);
    const entry = entryOf(p);
    if (type === 'steps' && p.steps) {
      b.steps.push({
        ...entry,
        device,
        start_at: new Date(p.steps.interval.startTime),
        end_at: new Date(p.steps.interval.endTime),
        utc_offset_min: offsetMin(p.steps.interval.startUtcOffset),
        steps: p.steps.count,
      });
    } else if (type === 'heartRate' && p.heartRate) {
      const t = p.heartRate.sampleTime;
      b.heartRate.push({
        ...entry,
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
        ...entry,
        device,
        measured_at: new Date(t.physicalTime),
        utc_offset_min: offsetMin(t.utcOffset),
        weight_kg: p.weight.weightGrams / 1000,
      });
    } else if (type === 'bodyFat' && p.bodyFat) {
      const t = p.bodyFat.sampleTime;
      b.body.push({
        ...entry,
        device,
        measured_at: new Date(t.physicalTime),
        utc_offset_min: offsetMin(t.utcOffset),
        fat_ratio_pct: p.bodyFat.percentage,
      });
    } else if (type === 'vo2Max' && p.vo2Max) {
      const t = p.vo2Max.sampleTime;
      b.body.push({
        ...entry,
        device,
        measured_at: new Date(t.physicalTime),
        utc_offset_min: offsetMin(t.utcOffset),
        vo2max_ml_min_kg: p.vo2Max.vo2Max,
      });
    } else if (type === 'respiratorySleep' && p.respiratoryRateSleepSummary) {
      const r = p.respiratoryRateSleepSummary;
      b.respiratory.push({
        device,
        measured_at: new Date(r.sampleTime.physicalTime),
        utc_offset_min: offsetMin(r.sampleTime.utcOffset),
        breaths_per_min: r.fullSleepStats.breathsPerMinute,
        deep_sleep_breaths_per_min: r.deepSleepStats?.breathsPerMinute ?? null,
        light_sleep_breaths_per_min: r.lightSleepStats?.breathsPerMinute ?? null,
        rem_sleep_breaths_per_min: r.remSleepStats?.breathsPerMinute ?? null,
      });
    } else if (type === 'dailyRespiratoryRate' && p.dailyRespiratoryRate) {
      vitals(p, p.dailyRespiratoryRate.date, { breaths_per_min: p.dailyRespiratoryRate.breathsPerMinute });
    } else if (type === 'dailySpo2' && p.dailyOxygenSaturation) {
      const o = p.dailyOxygenSaturation;
      vitals(p, o.date, {
        spo2_avg_pct: o.averagePercentage,
        spo2_lower_pct: o.lowerBoundPercentage,
        spo2_upper_pct: o.upperBoundPercentage,
        spo2_sd_pct: o.standardDeviationPercentage,
      });
    } else if (type === 'dailyHrv' && p.dailyHeartRateVariability) {
      const h = p.dailyHeartRateVariability;
      vitals(p, h.date, {
        hrv_rmssd_ms: h.averageHeartRateVariabilityMilliseconds,
        hrv_deep_sleep_rmssd_ms: h.deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds,
        hrv_entropy: h.entropy,
        non_rem_hr_bpm: h.nonRemHeartRateBeatsPerMinute,
      });
    } else if (type === 'skinTemperature' && p.dailySleepTemperatureDerivations) {
      const t = p.dailySleepTemperatureDerivations;
      vitals(p, t.date, {
        skin_temperature_c: t.nightlyTemperatureCelsius,
        skin_temperature_baseline_c: t.baselineTemperatureCelsius,
        skin_temperature_sd_30d_c: t.relativeNightlyStddev30dCelsius,
      });
    } else if (type === 'dailyVo2Max' && p.dailyVo2Max) {
      const v = p.dailyVo2Max;
      vitals(p, v.date, {
        vo2max_ml_min_kg: v.vo2Max,
        cardio_fitness_level: v.cardioFitnessLevel,
        vo2max_estimated: v.estimated,
      });
    } else if (type === 'exercise' && p.exercise) {
      b.exercises.push(exerciseRow(p, p.exercise, device));
    } else if (type === 'spo2' && p.oxygenSaturation) {
      const t = p.oxygenSaturation.sampleTime;
      b.spo2.push({
        ...entry,
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
      b.sleepSessions.push({ ...entry, ...sleepRow(p, p.sleep, device) });
    }
  }
  return b;
}

/**
 * `duration_s` is the active duration (pauses left out) where Google gives it; the zones are the
 * exercise's time in each of Fitbit's four heart-rate zones.
 */
function exerciseRow(p: Point, e: NonNullable<Point['exercise']>, device: string | null) {
  const start = new Date(e.interval.startTime);
  const span = Math.round((new Date(e.interval.endTime).getTime() - start.getTime()) / 1000);
  const m = e.metricsSummary;
  const zones: ExerciseZone[] = ZONES.flatMap((z, index) => {
    const d = m?.heartRateZoneDurations?.[z];
    return d === undefined ? [] : [{ index, lower_bpm: null, upper_bpm: null, in_zone_s: durationSeconds(d) }];
  });
  return {
    ...entryOf(p),
    device,
    exercise_id: p.name ?? `exercise:${e.interval.startTime}`,
    start_at: start,
    utc_offset_min: offsetMin(e.interval.startUtcOffset),
    duration_s: e.activeDuration === undefined ? span : Math.round(durationSeconds(e.activeDuration)),
    sport: e.exerciseType?.toLowerCase() ?? e.displayName ?? null,
    calories_kcal: m?.caloriesKcal ?? null,
    distance_m: m?.distanceMillimeters === undefined ? null : m.distanceMillimeters / 1000,
    hr_avg_bpm: m?.averageHeartRateBeatsPerMinute ?? null,
    hr_max_bpm: null,
    hr_zones: zones,
  };
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

/**
 * Google's ECG results (§9.3) in the `afib_class` words of Withings' codes where the meaning is the
 * same (an inconclusive reading at over 120 or under 50 bpm is Withings' high or low heart rate);
 * `unreadable` and `not_analyzed` have no Withings counterpart. A result this table does not know
 * is `other`, and the point as sent, its result included, is in the raw archive.
 */
const ECG_CLASSES: Readonly<Record<string, string>> = {
  NORMAL_SINUS_RHYTHM: 'negative',
  ATRIAL_FIBRILLATION: 'positive',
  INCONCLUSIVE: 'inconclusive',
  INCONCLUSIVE_HIGH_HEART_RATE: 'high_heart_rate',
  INCONCLUSIVE_LOW_HEART_RATE: 'low_heart_rate',
  UNREADABLE: 'unreadable',
  NOT_ANALYZED: 'not_analyzed',
};

/**
 * ECG recordings and irregular-rhythm notifications into `heart_rhythm`: an ECG at its reading time
 * (a historical one has no offset: 0, §9.3) with its result, average heart rate and sampling
 * frequency; a notification as one `ppg` row per alert window, at the window's start. Google gives
 * no numeric result code, so `afib_code` stays empty.
 */
function rhythmRows(type: 'ecg' | 'irn', p: Point, w: Window): HeartRhythmRow[] {
  const device = (info: { deviceModel?: string } | undefined) => info?.deviceModel ?? deviceOf(p);
  if (type === 'ecg') {
    const e = p.electrocardiogram;
    if (!e || Date.parse(e.interval.startTime) >= w.to.getTime()) return [];
    const result = e.resultClassification;
    return [
      {
        ...entryOf(p),
        device: device(e.medicalDeviceInfo),
        method: 'ecg',
        recorded_at: new Date(e.interval.startTime),
        utc_offset_min: offsetMin(e.interval.startUtcOffset),
        ...(result !== undefined && { afib_class: ECG_CLASSES[result] ?? 'other' }),
        ...(e.beatsPerMinuteAvg !== undefined && { heart_rate_bpm: e.beatsPerMinuteAvg }),
        ...(e.samplingFrequencyHertz !== undefined && { sampling_frequency_hz: e.samplingFrequencyHertz }),
      },
    ];
  }
  const n = p.irregularRhythmNotification;
  return (n?.alertWindows ?? []).map((a) => ({
    ...entryOf(p),
    device: device(n?.medicalDeviceInfo),
    method: 'ppg',
    recorded_at: new Date(a.startTime),
    utc_offset_min: offsetMin(a.startUtcOffset),
    // The schema says returned windows are always positive; proto3 would leave out a false.
    afib_class: a.positive === false ? 'negative' : 'positive',
  }));
}

/**
 * The waveform of an ECG, and a notification's window ends and heart beats, are in the raw archive:
 * each point as Google sent it, named by its first row's time, and put once (a re-read lists it again).
 */
async function heartRhythm(env: PullEnv, type: 'ecg' | 'irn', listed: Listed[], w: Window): Promise<Batch> {
  const b = emptyBatch();
  const found = listed.flatMap(({ point, raw }) => {
    const rows = rhythmRows(type, point, w);
    return rows[0] ? [{ raw, rows, at: rows[0].recorded_at }] : [];
  });
  const archived = new Map(
    (
      (await env
        .db('heart_rhythm')
        .where({ connection_id: env.connectionId, method: type === 'ecg' ? 'ecg' : 'ppg' })
        .whereNotNull('signal_archive_key')
        .whereIn(
          'recorded_at',
          found.map((f) => f.at)
        )
        .select('recorded_at', 'signal_archive_key')) as { recorded_at: Date; signal_archive_key: string }[]
    ).map((r) => [r.recorded_at.getTime(), r.signal_archive_key])
  );
  for (const { raw, rows, at } of found) {
    const key =
      archived.get(at.getTime()) ??
      (await env.rawArchive?.put(`fitbit-${type}/${at.getTime()}.json`, Buffer.from(JSON.stringify(raw))));
    b.heartRhythm.push(...rows.map((r) => (key === undefined ? r : { ...r, signal_archive_key: key })));
  }
  return b;
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

/**
 * The paired devices are read first: their `lastSyncTime` is how far the data has been uploaded
 * (google-health-api.md §2), so each type is read up to it, from where the last read stopped, and
 * not at all while no device synced since. A device that syncs days late has those days read then.
 */
export const fitbitSource: DataSource = {
  horizon: 'listedDevices',
  types: [
    { name: 'devices', maxDays: WHOLE_RANGE },
    ...Object.entries(TYPES).map(([name, spec]) => ({ name, maxDays: spec.maxDays, uploaded: true })),
    { name: 'dailyTotals', maxDays: ROLLUP_DAYS, uploaded: true },
  ],
  async fetch(env, token, type, window) {
    if (type === 'devices') return devices(env, token);
    if (type === 'dailyTotals') return dailyTotals(env, token, window);
    const spec = TYPES[type];
    if (!spec) throw new Error(`unknown Fitbit data type ${type}`);
    const listed = await listAll(env, token, spec, window);
    if (type === 'ecg' || type === 'irn') return heartRhythm(env, type, listed, window);
    return toBatch(
      type,
      listed.map((l) => l.point)
    );
  },
};
