import { z } from 'zod';
import type { Batch, SleepStage } from '../../wearables/rows.ts';
import { emptyBatch } from '../../wearables/rows.ts';
import { DAY_MS, datesIn, localToUtc, offsetMinutes, utcDate } from '../../wearables/time.ts';
import type { DataSource, PullEnv, Window } from '../../wearables/source.ts';
import { expandStepSamples } from './steps.ts';
import { alertness, bodyTemperature, circadianBedtime, ecgTests, skinTemperature, spo2Tests } from './biosensing.ts';
import { dataDevice, polarGet as get } from './get.ts';
import { cardioLoad, nightlyRecharge, physicalInfo } from './recovery.ts';
import { isoDurationSeconds, WHOLE_RANGE } from '../../wearables/source.ts';

/**
 * Polar AccessLink v3 through its transaction-less endpoints only (wearable-apis.md §5.2; the
 * transaction flow deletes data at Polar on commit). Quotas are per application and announced in
 * `RateLimit-*` headers, which update the budgets as they arrive. Polar has no device endpoint
 * and no "changed since" outside the deprecated transactions: the latest data time per device
 * stands in for its last sync, and is the upload horizon no cursor passes. The exercise list (by
 * upload time) and the activity range find a late upload; heart rate (one range call) and sleep
 * (the 28-night list, or one date per call further back) are read up to that horizon, and only
 * when it moved.
 */

const Exercise = z.looseObject({
  id: z.string(),
  upload_time: z.string().optional(),
  device: z.string().optional(),
  device_id: z.string().optional(),
  start_time: z.string(),
  start_time_utc_offset: z.number(),
  duration: z.string(),
  calories: z.number().optional(),
  distance: z.number().optional(),
  heart_rate: z.object({ average: z.number().optional(), maximum: z.number().optional() }).optional(),
  sport: z.string().optional(),
  heart_rate_zones: z
    .array(z.object({ index: z.number(), 'lower-limit': z.number(), 'upper-limit': z.number(), 'in-zone': z.string() }))
    .optional(),
  samples: z
    .array(z.object({ 'recording-rate': z.number().nullable(), 'sample-type': z.string(), data: z.string() }))
    .optional(),
});

/** The exercises uploaded in the last 30 days (Polar offers no range), with HR samples and zones. */
async function exercises(env: PullEnv, token: string): Promise<Batch> {
  const b = emptyBatch();
  const list = z
    .array(Exercise)
    .parse((await get(env, '/v3/exercises?samples=true&zones=true&route=false', token, 'the exercise list')) ?? []);
  for (const e of list) {
    const offset = e.start_time_utc_offset;
    const start = new Date(new Date(`${e.start_time.slice(0, 19)}Z`).getTime() - offset * 60_000);
    const device = e.device ?? null;
    b.exercises.push({
      device,
      utc_offset_min: offset,
      exercise_id: e.id,
      start_at: start,
      duration_s: isoDurationSeconds(e.duration),
      sport: e.sport ?? null,
      calories_kcal: e.calories ?? null,
      distance_m: e.distance ?? null,
      hr_avg_bpm: e.heart_rate?.average ?? null,
      hr_max_bpm: e.heart_rate?.maximum ?? null,
      hr_zones: (e.heart_rate_zones ?? []).map((z) => ({
        index: z.index,
        lower_bpm: z['lower-limit'],
        upper_bpm: z['upper-limit'],
        in_zone_s: isoDurationSeconds(z['in-zone']),
      })),
    });
    const hr = e.samples?.find((s) => s['sample-type'] === '0');
    const rate = hr?.['recording-rate'];
    if (hr && rate) {
      hr.data.split(',').forEach((v, i) => {
        // `null` marks the sensor offline; 0 is no reading either.
        if (v === 'null' || v === '' || Number(v) <= 0) return;
        b.heartRate.push({
          device,
          context: 'exercise',
          measured_at: new Date(start.getTime() + i * rate * 1000),
          utc_offset_min: offset,
          bpm: Number(v),
        });
      });
    }
    const seen = e.upload_time
      ? new Date(e.upload_time)
      : new Date(start.getTime() + isoDurationSeconds(e.duration) * 1000);
    b.devices.push(dataDevice(e.device_id ?? device ?? 'polar', device, seen));
  }
  return b;
}

const Activity = z.looseObject({
  start_time: z.string(),
  active_duration: z.string().optional(),
  calories: z.number().optional(),
  steps: z.number().optional(),
  distance_from_steps: z.number().optional(),
  samples: z
    .object({
      steps: z
        .object({
          interval_ms: z.number(),
          total_steps: z.number().optional(),
          samples: z.array(z.object({ steps: z.number(), timestamp: z.string() })).optional(),
        })
        .optional(),
    })
    .optional(),
});

/**
 * Daily activity with per-minute steps (repeats Polar filtered out put back); its times are
 * device-local, read in the study's zone.
 */
async function activity(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const from = utcDate(w.from);
  const to = utcDate(new Date(w.to.getTime() - 1));
  const body = await get(env, `/v3/users/activities?from=${from}&to=${to}&steps=true`, token, 'daily activity');
  for (const day of z.array(Activity).parse(body ?? [])) {
    b.dailyActivity.push({
      device: null,
      local_date: day.start_time.slice(0, 10),
      steps: day.steps ?? null,
      active_duration_s: day.active_duration === undefined ? null : isoDurationSeconds(day.active_duration),
      calories_kcal: day.calories ?? null,
      distance_m: day.distance_from_steps ?? null,
    });
    const steps = day.samples?.steps;
    const slots = expandStepSamples(steps?.samples ?? [], steps?.interval_ms ?? 60_000, {
      date: day.start_time.slice(0, 10),
      totalSteps: steps?.total_steps,
    });
    let last: Date | null = null;
    for (const slot of slots) {
      if (slot.steps <= 0) continue;
      const start = localToUtc(slot.local, env.timeZone);
      last = new Date(start.getTime() + (steps?.interval_ms ?? 60_000));
      b.steps.push({
        device: null,
        start_at: start,
        end_at: last,
        utc_offset_min: offsetMinutes(env.timeZone, start),
        steps: slot.steps,
      });
    }
    // A day's steps arrive with an upload: the last counted minute is when the device last had them.
    if (last) b.devices.push(dataDevice('polar', null, last));
  }
  return b;
}

const ContinuousHr = z.object({
  date: z.string(),
  heart_rate_samples: z.array(z.object({ heart_rate: z.number(), sample_time: z.string() })),
});

/**
 * The range form is documented with the one-day schema; clients that read it live
 * (third-party code in the project's code index: a Python sync script "confirmed via live debug
 * output", July 2026, and a Swift client) found the days under `heart_rates`. Observed there, so
 * both shapes are read.
 */
const ContinuousHrRange = z.union([z.object({ heart_rates: z.array(ContinuousHr) }), ContinuousHr]);

/** Every date of the window in one call (range at most 28 dates, §5.2.4), not one call per date. */
async function continuousHr(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const dates = datesIn(w.from, w.to);
  if (dates.length === 0) return b;
  const body = await get(
    env,
    `/v3/users/continuous-heart-rate?from=${dates[0]}&to=${dates.at(-1)}`,
    token,
    'continuous heart rate'
  );
  if (body === null) return b;
  const parsed = ContinuousHrRange.parse(body);
  const days = 'heart_rates' in parsed ? parsed.heart_rates : [parsed];
  for (const day of days) {
    if (!dates.includes(day.date)) continue;
    let last: Date | null = null;
    for (const s of day.heart_rate_samples) {
      const at = localToUtc(`${day.date}T${s.sample_time}`, env.timeZone);
      last = at;
      b.heartRate.push({
        device: null,
        context: 'continuous',
        measured_at: at,
        utc_offset_min: offsetMinutes(env.timeZone, at),
        bpm: s.heart_rate,
      });
    }
    if (last) b.devices.push(dataDevice('polar', null, last));
  }
  return b;
}

const Night = z.looseObject({
  date: z.string(),
  sleep_start_time: z.string(),
  sleep_end_time: z.string(),
  device_id: z.string().optional(),
  light_sleep: z.number().optional(),
  deep_sleep: z.number().optional(),
  rem_sleep: z.number().optional(),
  unrecognized_sleep_stage: z.number().optional(),
  total_interruption_duration: z.number().optional(),
  sleep_score: z.number().optional(),
  hypnogram: z.record(z.string(), z.number()).optional(),
  heart_rate_samples: z.record(z.string(), z.number()).optional(),
});

const HYPNOGRAM: Record<number, SleepStage> = { 0: 'awake', 1: 'rem', 2: 'light', 3: 'light', 4: 'deep', 5: 'unknown' };

/** `+03:00` → 180. */
const offsetOf = (iso: string) => {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(iso);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
};

/** A local `HH:mm` of the night: on the start's local day, or the next day once past midnight. */
function nightTime(hhmm: string, start: Date, offset: number): Date {
  const localStart = new Date(start.getTime() + offset * 60_000);
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const candidate = Date.UTC(localStart.getUTCFullYear(), localStart.getUTCMonth(), localStart.getUTCDate(), h, m);
  const local = candidate < localStart.getTime() - 60_000 ? candidate + 86_400_000 : candidate;
  return new Date(local - offset * 60_000);
}

/**
 * `listNights` covers the last 28 days in one call; a window reaching further back (a range pull)
 * is read one date per call. A day of margin for Polar's "today" being a zone ahead or behind ours.
 */
const LISTED_NIGHT_DAYS = 27;

async function sleep(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const dates = datesIn(w.from, w.to);
  const listedFrom = utcDate(new Date(env.clock().getTime() - LISTED_NIGHT_DAYS * DAY_MS));
  if (dates.length > 1 && dates[0]! >= listedFrom) {
    const body = await get(env, '/v3/users/sleep', token, 'sleep');
    const nights = z.object({ nights: z.array(Night) }).parse(body ?? { nights: [] }).nights;
    for (const n of nights) if (dates.includes(n.date)) addNight(b, n);
    return b;
  }
  for (const date of dates) {
    const body = await get(env, `/v3/users/sleep/${date}`, token, 'sleep');
    if (body !== null) addNight(b, Night.parse(body));
  }
  return b;
}

function addNight(b: Batch, n: z.infer<typeof Night>) {
  const start = new Date(n.sleep_start_time);
  const end = new Date(n.sleep_end_time);
  const offset = offsetOf(n.sleep_end_time);
  const marks = Object.entries(n.hypnogram ?? {})
    .map(([t, code]) => ({ at: nightTime(t, start, offset), code }))
    .sort((a, c) => a.at.getTime() - c.at.getTime());
  const light = n.light_sleep ?? null;
  const deep = n.deep_sleep ?? null;
  const rem = n.rem_sleep ?? null;
  b.sleepSessions.push({
    device: n.device_id ?? null,
    session_id: n.date,
    start_at: start,
    end_at: end,
    utc_offset_min: offset,
    local_date: n.date,
    asleep_s: (light ?? 0) + (deep ?? 0) + (rem ?? 0) + (n.unrecognized_sleep_stage ?? 0),
    awake_s: n.total_interruption_duration ?? null,
    light_s: light,
    deep_s: deep,
    rem_s: rem,
    score: n.sleep_score ?? null,
    stages: marks.map((mark, i) => ({
      start_at: mark.at,
      end_at: marks[i + 1]?.at ?? end,
      utc_offset_min: offset,
      stage: HYPNOGRAM[mark.code] ?? 'unknown',
    })),
  });
  for (const [t, bpm] of Object.entries(n.heart_rate_samples ?? {})) {
    b.heartRate.push({
      device: n.device_id ?? null,
      context: 'sleep',
      measured_at: nightTime(t, start, offset),
      utc_offset_min: offset,
      bpm,
    });
  }
  b.devices.push(dataDevice(n.device_id ?? 'polar', null, end));
}

/**
 * Values an upload brings, read over the dates it brought, one range call each (Nightly Recharge
 * as sleep: the 28-day list, or one date per call further back). Those made once a night or a day
 * are read at most every `NIGHTLY_MS` of uploads; the spot tests (wrist ECG, SpO2) every pull.
 */
const NIGHTLY: Record<string, (env: PullEnv, token: string, w: Window) => Promise<Batch>> = {
  nightlyRecharge,
  cardioLoad,
  alertness,
  circadianBedtime,
  bodyTemperature,
  skinTemperature,
};
const SPOT: Record<string, (env: PullEnv, token: string, w: Window) => Promise<Batch>> = { ecgTests, spo2Tests };
const UPLOADED_RANGES = { ...NIGHTLY, ...SPOT };

/**
 * Twice a day: the night's values (uploaded with the morning's sync) come within 12 hours, and
 * Polar's app-wide daily quota (100 calls per user) still holds 666 connections at the default
 * 2-hour pulls (capacity.ts).
 */
const NIGHTLY_MS = 12 * 3600_000;

export const polarSource: DataSource = {
  horizon: 'latestData',
  types: [
    { name: 'exercises', maxDays: WHOLE_RANGE },
    // A daily-activity range may span at most 28 dates (§5.2): 27 days, as a window that starts
    // mid-day touches one date more than its length.
    { name: 'activity', maxDays: 27 },
    // No maximum is documented for the heart-rate range; the 28 dates of the other ranges are kept.
    { name: 'continuousHr', maxDays: 27, uploaded: true },
    { name: 'sleep', maxDays: 27, uploaded: true },
    // SleepWise and biosensing ranges: "cannot be more than 28 days"; cardio load's range has no
    // documented maximum, the same is kept.
    ...Object.keys(SPOT).map((name) => ({ name, maxDays: 27, uploaded: true })),
    ...Object.keys(NIGHTLY).map((name) => ({ name, maxDays: 27, uploaded: true, everyMs: NIGHTLY_MS })),
    // The patient's current profile: one call, whatever the window. Held to the uploads as the
    // rest (its cursor stops at the upload horizon like every Polar type's), so a silent device's
    // connection does not ask for it at every pull; a profile edited meanwhile comes with the next upload.
    { name: 'physicalInfo', maxDays: WHOLE_RANGE, uploaded: true, everyMs: NIGHTLY_MS },
  ],
  fetch(env, token, type, window) {
    if (type === 'exercises') return exercises(env, token);
    if (type === 'activity') return activity(env, token, window);
    if (type === 'continuousHr') return continuousHr(env, token, window);
    if (type === 'sleep') return sleep(env, token, window);
    if (type === 'physicalInfo') return physicalInfo(env, token);
    const read = UPLOADED_RANGES[type];
    if (read) return read(env, token, window);
    throw new Error(`unknown Polar data type ${type}`);
  },
};
