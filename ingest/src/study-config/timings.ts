import type { Schedules } from './schedules.ts';
import { secondsOfDay } from './schedules.ts';
import { addDays, localTime, parseLocalDate, zonedInstant, type LocalDate } from './zoned-time.ts';

/**
 * A survey's `timings` for one participant (spec §2.3, beiwe-backend `format_survey_for_device`):
 * the weekly schedule, plus every absolute and relative event that falls in the moving window
 * [today − 4 days 00:00, today + 3 days 00:00) in the study's time zone, folded into the week as
 * (day of week, seconds of day). Index 0 is Sunday; each day is sorted and without duplicates.
 * The window is under a week long, so a folded event never lands on a day twice.
 */
export function buildTimings(input: {
  schedules: Schedules;
  /** The participant's intervention dates (`YYYY-MM-DD`) by intervention id. */
  interventionDates: ReadonlyMap<number, string>;
  now: Date;
  timeZone: string;
}): number[][] {
  const { schedules, interventionDates, timeZone } = input;
  const days: number[][] = [[], [], [], [], [], [], []];
  for (const w of schedules.weekly) days[w.day]!.push(secondsOfDay(w));

  const today = localTime(input.now.getTime(), timeZone);
  const from = zonedInstant(addDays(today, -4), 0, 0, timeZone);
  const to = zonedInstant(addDays(today, 3), 0, 0, timeZone);
  const fold = (date: LocalDate, hour: number, minute: number) => {
    const at = zonedInstant(date, hour, minute, timeZone);
    if (at < from || at >= to) return;
    // Read back in the study's zone: a time in the spring gap lands an hour later, as in Beiwe.
    const local = localTime(at, timeZone);
    days[local.weekday]!.push(secondsOfDay(local));
  };

  for (const a of schedules.absolute) fold(parseLocalDate(a.date), a.hour, a.minute);
  for (const r of schedules.relative) {
    const date = interventionDates.get(r.interventionId);
    if (date !== undefined) fold(addDays(parseLocalDate(date), r.daysAfter), r.hour, r.minute);
  }
  return days.map((times) => [...new Set(times)].sort((a, b) => a - b));
}
