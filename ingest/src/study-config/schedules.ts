import { z } from 'zod';

/**
 * When a survey is pushed (spec §7): weekly times (day 0 = Sunday), absolute dates, and days
 * relative to a participant's intervention date. Times are hour and minute in the study's time
 * zone; Beiwe keeps no seconds.
 */

const Hour = z.int({ error: 'must be a whole number' }).min(0, { error: 'must be 0–23' }).max(23, {
  error: 'must be 0–23',
});
const Minute = z.int({ error: 'must be a whole number' }).min(0, { error: 'must be 0–59' }).max(59, {
  error: 'must be 0–59',
});

/** A calendar date `YYYY-MM-DD` that exists. */
export const IsoDate = z
  .string({ error: 'must be a date YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date YYYY-MM-DD' })
  .refine(isCalendarDate, { error: 'is not a date in the calendar' });

export function isCalendarDate(iso: string): boolean {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export const WeeklySchedule = z.strictObject({
  day: z.int({ error: 'must be a whole number' }).min(0, { error: 'must be 0 (Sunday) to 6 (Saturday)' }).max(6, {
    error: 'must be 0 (Sunday) to 6 (Saturday)',
  }),
  hour: Hour,
  minute: Minute,
});
export type WeeklySchedule = z.infer<typeof WeeklySchedule>;

export const AbsoluteSchedule = z.strictObject({ date: IsoDate, hour: Hour, minute: Minute });
export type AbsoluteSchedule = z.infer<typeof AbsoluteSchedule>;

export const RelativeSchedule = z.strictObject({
  interventionId: z.int({ error: 'must be an intervention id' }).positive({ error: 'must be an intervention id' }),
  // Negative: days before the intervention.
  daysAfter: z
    .int({ error: 'must be a whole number' })
    .min(-36_500, { error: 'must be at least -36500' })
    .max(36_500, { error: 'must be at most 36500' }),
  hour: Hour,
  minute: Minute,
});
export type RelativeSchedule = z.infer<typeof RelativeSchedule>;

export const Schedules = z.strictObject({
  weekly: z.array(WeeklySchedule).max(1000, { error: 'must have at most 1000 times' }).default([]),
  absolute: z.array(AbsoluteSchedule).max(1000, { error: 'must have at most 1000 times' }).default([]),
  relative: z.array(RelativeSchedule).max(1000, { error: 'must have at most 1000 times' }).default([]),
});
export type Schedules = z.infer<typeof Schedules>;

export const NO_SCHEDULES: Schedules = { weekly: [], absolute: [], relative: [] };

/** Sorted and without duplicates, as Beiwe's get_or_create leaves them: equal schedules compare equal. */
export function normaliseSchedules(s: Schedules): Schedules {
  const minutes = (x: { hour: number; minute: number }) => x.hour * 60 + x.minute;
  return {
    weekly: unique(
      [...s.weekly].sort((a, b) => a.day - b.day || minutes(a) - minutes(b)),
      (x) => `${x.day}/${minutes(x)}`
    ),
    absolute: unique(
      [...s.absolute].sort((a, b) => a.date.localeCompare(b.date) || minutes(a) - minutes(b)),
      (x) => `${x.date}/${minutes(x)}`
    ),
    relative: unique(
      [...s.relative].sort(
        (a, b) => a.interventionId - b.interventionId || a.daysAfter - b.daysAfter || minutes(a) - minutes(b)
      ),
      (x) => `${x.interventionId}/${x.daysAfter}/${minutes(x)}`
    ),
  };
}

function unique<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Seconds into the day, as Beiwe's JSON writes a time: hour and minute only. */
export const secondsOfDay = (x: { hour: number; minute: number }) => x.hour * 3600 + x.minute * 60;

/** Beiwe's import turns seconds into hour and minute by integer division, dropping the seconds. */
export const hourMinuteOf = (seconds: number) => ({
  hour: Math.floor(seconds / 3600),
  minute: Math.floor((seconds % 3600) / 60),
});
