import type { Schedules } from '../study-config/schedules.ts';
import { addDays, localTime, parseLocalDate, zonedInstant } from '../study-config/zoned-time.ts';

export type ScheduleType = 'weekly' | 'absolute' | 'relative';
export type DueTime = { scheduleType: ScheduleType; at: number };

/**
 * Every time a survey's schedules fall due in [from, to) (epoch milliseconds), read as wall-clock
 * times in `timeZone` (the participant's). A wall time that happens twice is its first occurrence;
 * one in the spring gap is an hour later (zoned-time's rules, as Beiwe's). Sorted, each instant once.
 */
export function dueTimes(input: {
  schedules: Schedules;
  interventionDates: ReadonlyMap<number, string>;
  timeZone: string;
  from: number;
  to: number;
}): DueTime[] {
  const { schedules, interventionDates, timeZone, from, to } = input;
  const found = new Map<number, ScheduleType>();
  const add = (scheduleType: ScheduleType, at: number) => {
    if (at >= from && at < to && !found.has(at)) found.set(at, scheduleType);
  };
  // Local dates a day either side of the window: offsets are under a day.
  const first = addDays(localTime(from, timeZone), -1);
  const days = Math.ceil((to - from) / 86_400_000) + 2;
  for (let i = 0; i <= days && schedules.weekly.length > 0; i++) {
    const date = addDays(first, i);
    const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
    for (const w of schedules.weekly)
      if (w.day === weekday) add('weekly', zonedInstant(date, w.hour, w.minute, timeZone));
  }
  for (const a of schedules.absolute) add('absolute', zonedInstant(parseLocalDate(a.date), a.hour, a.minute, timeZone));
  for (const r of schedules.relative) {
    const date = interventionDates.get(r.interventionId);
    if (date !== undefined)
      add('relative', zonedInstant(addDays(parseLocalDate(date), r.daysAfter), r.hour, r.minute, timeZone));
  }
  return [...found].map(([at, scheduleType]) => ({ scheduleType, at })).sort((a, b) => a.at - b.at);
}

/** A time zone the runtime knows (phones report Olson names; anything else falls back to the study's). */
export function isTimeZone(zone: string): boolean {
  if (zone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
