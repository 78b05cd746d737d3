import { z } from 'zod';

/**
 * The measurements a study can rank sources for, each with the sources that deliver it, in the
 * order used when the study says nothing (and for sources its list leaves out, after the list).
 * Wearables come before the phone: its steps are guessed from the accelerometer (docs/features.md),
 * the wearables count them. A measurement added here needs its resolution in `resolve.ts` or
 * `records.ts`.
 *
 * Only what two sources can double is ranked: amounts over time (steps, a day's totals), one value
 * per day (resting heart rate, the nightly vitals) and sessions (sleep, workouts). Point readings
 * (weight and body composition, blood pressure, SpO2 and temperature readings, HRV and breathing
 * samples, ECGs) are not: two scales' weights or two devices' SpO2 readings are two measurements of
 * the patient, not one counted twice, and nothing sums them, so every source's points are kept.
 * A column only one vendor fills (Fitbit's zone minutes, Polar's cardio load and Nightly Recharge,
 * Fitbit's nightly SpO2 and VO2 max) is not ranked either: there is nothing to prefer it over.
 */
export const MEASUREMENT_SOURCES = {
  steps: ['fitbit', 'withings', 'polar', 'phone'],
  heart_rate: ['polar', 'fitbit', 'withings'],
  // Per local day. Polar's resting heart rate is its profile's (typed in or kept by the watch),
  // Fitbit's is measured each day.
  daily_activity: ['fitbit', 'withings', 'polar'],
  resting_heart_rate: ['fitbit', 'polar'],
  daily_breathing_rate: ['fitbit', 'polar'],
  daily_hrv: ['polar', 'fitbit'],
  daily_skin_temperature: ['fitbit', 'polar'],
  // Sessions: a lower-ranked source's session that overlaps a better-ranked one's is dropped.
  sleep: ['fitbit', 'withings', 'polar'],
  workouts: ['polar', 'fitbit', 'withings'],
} as const satisfies Record<string, readonly string[]>;
export type Measurement = keyof typeof MEASUREMENT_SOURCES;
export const MEASUREMENTS = Object.keys(MEASUREMENT_SOURCES) as Measurement[];

/** Sources whose rows name no device: a device entry for them could never match. */
const DEVICELESS = new Set(['phone']);
export const MAX_ENTRIES = 20;

const Entry = z.strictObject({
  source: z.string(),
  /** The device name exactly as the rows carry it (`device` column); absent: any device of the source. */
  device: z.string().trim().min(1).max(128).optional(),
});
export type PriorityEntry = { source: string; device?: string };
export type Priorities = Partial<Record<Measurement, PriorityEntry[]>>;

/**
 * Only the measurements that have a list, in `MEASUREMENTS` order: the form a PUT body takes when
 * it leaves the default orders out, so two studies that rank alike compare (and export) alike.
 */
export function listedPriorities(priorities: Priorities): Priorities {
  return Object.fromEntries(
    MEASUREMENTS.flatMap((m) => (priorities[m]?.length ? [[m, priorities[m]] as const] : []))
  ) as Priorities;
}

const label = (e: PriorityEntry) => (e.device === undefined ? `${e.source} (any device)` : `${e.source} "${e.device}"`);

/**
 * The body of PUT: per measurement, the ordered list; a measurement left out has no list (the
 * default order). Refused with the entry's path: a measurement or a source that is not known, a
 * device on the phone, an entry given twice, and one an earlier "any device" entry of its source
 * already covers (it could never apply).
 */
export const SourcePriorities = z.record(z.string(), z.array(Entry).max(MAX_ENTRIES)).superRefine((body, ctx) => {
  for (const [measurement, entries] of Object.entries(body)) {
    if (!Object.hasOwn(MEASUREMENT_SOURCES, measurement)) {
      ctx.addIssue({
        code: 'custom',
        path: [measurement],
        message: `is not a measurement with sources to rank (known: ${MEASUREMENTS.join(', ')})`,
      });
      continue;
    }
    const known: readonly string[] = MEASUREMENT_SOURCES[measurement as Measurement];
    entries.forEach((e, i) => {
      if (!known.includes(e.source)) {
        ctx.addIssue({
          code: 'custom',
          path: [measurement, i, 'source'],
          message: `${JSON.stringify(e.source)} is not a source of ${measurement} (known: ${known.join(', ')})`,
        });
        return;
      }
      if (e.device !== undefined && DEVICELESS.has(e.source)) {
        ctx.addIssue({ code: 'custom', path: [measurement, i, 'device'], message: `${e.source} rows name no device` });
        return;
      }
      const earlier = entries
        .slice(0, i)
        .findIndex((p) => p.source === e.source && (p.device ?? null) === (e.device ?? null));
      if (earlier >= 0) {
        ctx.addIssue({ code: 'custom', path: [measurement, i], message: `${label(e)} is already entry ${earlier}` });
        return;
      }
      const covering = entries.slice(0, i).findIndex((p) => p.source === e.source && p.device === undefined);
      if (covering >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: [measurement, i],
          message: `${label(e)} can never apply: entry ${covering} (${e.source}, any device) comes first`,
        });
      }
    });
  }
});
