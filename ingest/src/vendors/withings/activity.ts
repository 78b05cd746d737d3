import { z } from 'zod';
import type { Batch } from '../../wearables/rows.ts';
import { emptyBatch } from '../../wearables/rows.ts';
import { offsetMinutes, utcDate } from '../../wearables/time.ts';
import type { Window } from '../../wearables/source.ts';
import { DEVICE_MODELS, WORKOUT_CATEGORIES } from './codes.ts';
import { changedOr, entryOf, fromEpoch, seconds, type WithingsApi } from './shared.ts';

/**
 * Withings activity (wearable-apis.md §4.4.3, §4.4.4, §4.4.7; scope `user.activity`): daily
 * totals (Getactivity) into `daily_activity`, workouts (Getworkouts) into `exercises`, and the
 * intraday series (Getintradayactivity) into `steps`, `heart_rate` (context `intraday`), `spo2`
 * and `hrv`. Fields not asked for are absent, and any asked-for field may be missing.
 */

const num = z.number().nullish();
const modelName = (id: number | null | undefined, name: string | null | undefined) =>
  name ?? (id === null || id === undefined ? null : (DEVICE_MODELS[id] ?? String(id)));

const ACTIVITY_FIELDS = 'steps,distance,active,calories,totalcalories';
const Activities = z.object({
  activities: z.array(
    z.object({
      date: z.string(),
      model: z.string().nullish(),
      modelid: z.number().nullish(),
      deviceid: z.string().nullish(),
      steps: num,
      distance: num,
      active: num,
      calories: num,
      totalcalories: num,
    })
  ),
});

/**
 * One row per local day. `calories_kcal` is the day's total (active + passive, `totalcalories`),
 * as Polar's daily `calories` is; Withings' `calories` alone is the active part.
 */
export async function dailyActivity(api: WithingsApi, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const params = {
    action: 'getactivity',
    ...changedOr(w, { startdateymd: utcDate(w.from), enddateymd: utcDate(new Date(w.to.getTime() - 1)) }),
    data_fields: ACTIVITY_FIELDS,
  };
  for (const raw of await api.paged('/v2/measure', params)) {
    for (const day of Activities.parse(raw).activities) {
      b.dailyActivity.push({
        device: modelName(day.modelid, day.model),
        local_date: day.date,
        steps: day.steps ?? null,
        active_duration_s: day.active ?? null,
        calories_kcal: day.totalcalories ?? day.calories ?? null,
        distance_m: day.distance ?? null,
      });
    }
  }
  return b;
}

const WORKOUT_FIELDS =
  'calories,manual_calories,distance,manual_distance,steps,hr_average,hr_max,hr_zone_0,hr_zone_1,hr_zone_2,hr_zone_3';
const Workouts = z.object({
  series: z.array(
    z.object({
      id: z.union([z.number(), z.string()]),
      category: z.number().nullish(),
      timezone: z.string().nullish(),
      model: z.number().nullish(),
      attrib: z.number().nullish(),
      startdate: z.number(),
      enddate: z.number(),
      data: z
        .object({
          calories: num,
          manual_calories: num,
          distance: num,
          manual_distance: num,
          hr_average: num,
          hr_max: num,
          hr_zone_0: num,
          hr_zone_1: num,
          hr_zone_2: num,
          hr_zone_3: num,
        })
        .nullish(),
    })
  ),
});
const ZONES = ['hr_zone_0', 'hr_zone_1', 'hr_zone_2', 'hr_zone_3'] as const;

/** Workouts: a measured value wins over the one the user typed in; zones carry seconds only. */
export async function workouts(api: WithingsApi, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const params = {
    action: 'getworkouts',
    ...changedOr(w, { startdateymd: utcDate(w.from), enddateymd: utcDate(new Date(w.to.getTime() - 1)) }),
    data_fields: WORKOUT_FIELDS,
  };
  for (const raw of await api.paged('/v2/measure', params)) {
    for (const wo of Workouts.parse(raw).series) {
      const d = wo.data ?? {};
      const start = fromEpoch(wo.startdate);
      const entry = entryOf(wo.attrib);
      b.exercises.push({
        device: modelName(wo.model, null),
        utc_offset_min: offsetMinutes(wo.timezone ?? api.env.timeZone, start),
        exercise_id: String(wo.id),
        start_at: start,
        duration_s: Math.max(0, wo.enddate - wo.startdate),
        sport:
          wo.category === null || wo.category === undefined
            ? null
            : (WORKOUT_CATEGORIES[wo.category] ?? String(wo.category)),
        calories_kcal: d.calories ?? d.manual_calories ?? null,
        distance_m: d.distance ?? d.manual_distance ?? null,
        hr_avg_bpm: d.hr_average ?? null,
        hr_max_bpm: d.hr_max ?? null,
        hr_zones: ZONES.flatMap((z, index) => {
          const s = d[z];
          return s === null || s === undefined ? [] : [{ index, lower_bpm: null, upper_bpm: null, in_zone_s: s }];
        }),
        ...(entry && { entry }),
      });
    }
  }
  return b;
}

const INTRADAY_FIELDS = 'steps,duration,heart_rate,spo2_auto,rmssd,sdnn1';
/** The document types `series` as an object keyed by epoch seconds (`$timestamp`). */
const Intraday = z.object({
  series: z
    .record(
      z.string(),
      z.object({
        model: z.string().nullish(),
        model_id: z.number().nullish(),
        steps: num,
        duration: num,
        heart_rate: num,
        spo2_auto: num,
        rmssd: num,
        sdnn1: num,
      })
    )
    .nullish(),
});

/**
 * The intraday series carries no zone: each sample takes the study's offset at its instant. A
 * sample's steps span `duration` seconds (a minute where it is not given).
 */
export async function intraday(api: WithingsApi, w: Window): Promise<Batch> {
  const b = emptyBatch();
  const params = {
    action: 'getintradayactivity',
    startdate: seconds(w.from),
    enddate: seconds(w.to),
    data_fields: INTRADAY_FIELDS,
  };
  const body = Intraday.parse(await api.call('/v2/measure', params));
  for (const [t, s] of Object.entries(body.series ?? {})) {
    const at = fromEpoch(Number(t));
    // "Only the first 24 h" is the rule; a sample outside the window belongs to another pull.
    if (at < w.from || at >= w.to) continue;
    const stamp = { device: modelName(s.model_id, s.model), utc_offset_min: offsetMinutes(api.env.timeZone, at) };
    if (s.steps !== null && s.steps !== undefined) {
      const end = new Date(at.getTime() + (s.duration ?? 60) * 1000);
      b.steps.push({ ...stamp, start_at: at, end_at: end, steps: s.steps });
    }
    if (s.heart_rate) b.heartRate.push({ ...stamp, context: 'intraday', measured_at: at, bpm: s.heart_rate });
    if (s.spo2_auto) b.spo2.push({ ...stamp, measured_at: at, spo2_pct: s.spo2_auto });
    if (s.rmssd || s.sdnn1)
      b.hrv.push({ ...stamp, measured_at: at, rmssd_ms: s.rmssd ?? null, sdnn_ms: s.sdnn1 ?? null });
  }
  return b;
}
