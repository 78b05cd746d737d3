import { z } from 'zod';
import type { Batch, BodyRow, Entry } from '../../wearables/rows.ts';
import { emptyBatch } from '../../wearables/rows.ts';
import { DAY_MS, datesIn, localDate, localToUtc, offsetMinutes, utcDate } from '../../wearables/time.ts';
import { dateRange, polarGet as get } from './get.ts';
import type { PullEnv, Window } from '../../wearables/source.ts';

/**
 * Polar's recovery and profile values (AccessLink `nightly-recharge`, `cardio-load`,
 * `physical-info`). Nightly Recharge and cardio load carry no zone and no device: their dates
 * are the patient's, the times of a night's samples are read in the study's zone.
 */

const Recharge = z.looseObject({
  date: z.string(),
  heart_rate_avg: z.number().optional(),
  beat_to_beat_avg: z.number().optional(),
  heart_rate_variability_avg: z.number().optional(),
  breathing_rate_avg: z.number().optional(),
  nightly_recharge_status: z.number().optional(),
  ans_charge: z.number().optional(),
  ans_charge_status: z.number().optional(),
  hrv_samples: z.record(z.string(), z.number()).optional(),
  breathing_samples: z.record(z.string(), z.number()).optional(),
});

/** `listNightlyRecharge` covers the last 28 days (as the sleep list); a day of margin for Polar's "today". */
const LISTED_DAYS = 27;

/**
 * A sample's `HH:mm` of the night that ends on `date`: the 4 hours from 30 minutes after falling
 * asleep, so an hour from noon on is the evening before (the document gives no date; a patient
 * who falls asleep after noon is taken to sleep into `date`).
 */
export function rechargeSampleTime(date: string, hhmm: string, timeZone: string): Date {
  const evening = Number(hhmm.slice(0, 2)) >= 12;
  const day = evening ? utcDate(new Date(Date.parse(date) - DAY_MS)) : date;
  return localToUtc(`${day}T${hhmm}`, timeZone);
}

export async function nightlyRecharge(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const dates = datesIn(w.from, w.to);
  const listedFrom = utcDate(new Date(env.clock().getTime() - LISTED_DAYS * DAY_MS));
  if (dates.length > 1 && dates[0]! >= listedFrom) {
    const body = await get(env, '/v3/users/nightly-recharge', token, 'nightly recharge');
    const list = z.object({ recharges: z.array(Recharge) }).parse(body ?? { recharges: [] }).recharges;
    for (const r of list) if (dates.includes(r.date)) addRecharge(b, r, env.timeZone);
    return b;
  }
  for (const date of dates) {
    const body = await get(env, `/v3/users/nightly-recharge/${date}`, token, 'nightly recharge');
    if (body !== null) addRecharge(b, Recharge.parse(body), env.timeZone);
  }
  return b;
}

function addRecharge(b: Batch, r: z.infer<typeof Recharge>, timeZone: string) {
  b.dailyVitals.push({
    device: null,
    local_date: r.date,
    entry: 'device',
    // RMSSD over the same 4 hours as the others (the document's words).
    ...(r.heart_rate_variability_avg !== undefined && { hrv_rmssd_ms: r.heart_rate_variability_avg }),
    ...(r.breathing_rate_avg !== undefined && { breaths_per_min: r.breathing_rate_avg }),
    ...(r.ans_charge !== undefined && { ans_charge: r.ans_charge }),
    ...(r.ans_charge_status !== undefined && { ans_charge_status: r.ans_charge_status }),
    ...(r.nightly_recharge_status !== undefined && { nightly_recharge_status: r.nightly_recharge_status }),
    ...(r.heart_rate_avg !== undefined && { recharge_hr_avg_bpm: r.heart_rate_avg }),
    ...(r.beat_to_beat_avg !== undefined && { recharge_beat_interval_avg_ms: r.beat_to_beat_avg }),
  });
  for (const [t, ms] of Object.entries(r.hrv_samples ?? {})) {
    const at = rechargeSampleTime(r.date, t, timeZone);
    b.hrv.push({
      device: null,
      utc_offset_min: offsetMinutes(timeZone, at),
      measured_at: at,
      rmssd_ms: ms,
      sdnn_ms: null,
    });
  }
  for (const [t, rate] of Object.entries(r.breathing_samples ?? {})) {
    const at = rechargeSampleTime(r.date, t, timeZone);
    b.respiratory.push({
      device: null,
      utc_offset_min: offsetMinutes(timeZone, at),
      measured_at: at,
      breaths_per_min: rate,
    });
  }
}

const CardioLoad = z.looseObject({
  date: z.string(),
  cardio_load_status: z.string().optional(),
  cardio_load: z.number().optional(),
  strain: z.number().optional(),
  tolerance: z.number().optional(),
  cardio_load_ratio: z.number().optional(),
});

/** One range call: Polar lists every date of it, `LOAD_STATUS_NOT_AVAILABLE` where nothing could be calculated. */
export async function cardioLoad(env: PullEnv, token: string, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const dates = datesIn(w.from, w.to);
  if (dates.length === 0) return b;
  const body = await get(env, `/v3/users/cardio-load/date?${dateRange(dates)}`, token, 'cardio load');
  for (const day of z.array(CardioLoad).parse(body ?? [])) {
    if (!dates.includes(day.date) || day.cardio_load_status === 'LOAD_STATUS_NOT_AVAILABLE') continue;
    b.dailyActivity.push({
      device: null,
      local_date: day.date,
      steps: null,
      active_duration_s: null,
      calories_kcal: null,
      distance_m: null,
      cardio_load_trimp: day.cardio_load ?? null,
      cardio_load_strain: day.strain ?? null,
      cardio_load_tolerance: day.tolerance ?? null,
      cardio_load_ratio: day.cardio_load_ratio ?? null,
      cardio_load_status: day.cardio_load_status ?? null,
    });
  }
  return b;
}

const PhysicalInfo = z.looseObject({
  weight: z.number().optional(),
  height: z.number().optional(),
  created: z.string().optional(),
  modified: z.string().optional(),
  resting_heart_rate: z.number().optional(),
  vo2_max: z.number().optional(),
  weight_source: z.string().optional(),
});

/**
 * How the weight reached Polar: measured (a connected scale) is the device's, typed in by the user
 * is manual; a default or an estimate is no measurement at all, so it is not kept.
 */
const WEIGHT_ENTRY: Record<string, Entry | null> = {
  SOURCE_MEASURED: 'device',
  SOURCE_USER: 'manual',
  SOURCE_DEFAULT: null,
  SOURCE_ESTIMATE: null,
};

/**
 * The patient's current profile (no range: one call). Its values are kept at the time the profile
 * was last changed, so a change is a new row and an unchanged profile re-read is the same row.
 * Maximum heart rate, thresholds, birthday, gender and habits are settings, not measurements.
 */
export async function physicalInfo(env: PullEnv, token: string): Promise<Batch> {
  const b = emptyBatch();
  const body = await get(env, '/v3/users/physical-info', token, 'physical info');
  if (body === null) return b;
  const p = PhysicalInfo.parse(body);
  const when = p.modified ?? p.created;
  if (when === undefined) return b;
  const at = new Date(when);
  const offset = offsetMinutes(env.timeZone, at);
  const source = p.weight_source ?? '';
  const weighed = p.weight !== undefined && WEIGHT_ENTRY[source] !== null;
  const row: BodyRow = {
    device: null,
    utc_offset_min: offset,
    measured_at: at,
    ...(weighed && { weight_kg: p.weight }),
    ...(p.height !== undefined && { height_m: Math.round(p.height * 10) / 1000 }),
    ...(p.vo2_max !== undefined && { vo2max_ml_min_kg: p.vo2_max }),
  };
  const entry = weighed ? WEIGHT_ENTRY[source] : undefined;
  if (entry) row.entry = entry;
  if (Object.keys(row).length > 3) b.body.push(row);
  if (p.resting_heart_rate !== undefined) {
    b.restingHeartRate.push({ device: null, local_date: localDate(at, offset), bpm: p.resting_heart_rate });
  }
  return b;
}
