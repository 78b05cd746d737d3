import { dayStart, nextDay, offsetMs } from '../streams/local-days.ts';

/** The UTC instant of wall-clock `hour`:00 on `day` in `timeZone` (on a DST day, hours after the jump move with it). */
export function localHour(day: string, hour: number, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, hour);
  let guess = wall - offsetMs(wall, timeZone);
  guess = wall - offsetMs(guess, timeZone);
  return guess;
}

export type DayWindow = { day: string; start: number; end: number };

export function dayWindow(day: string, timeZone: string): DayWindow {
  return { day, start: dayStart(day, timeZone).getTime(), end: dayStart(nextDay(day), timeZone).getTime() };
}

/** `YYYY-MM-DD` plus `n` calendar days. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}
