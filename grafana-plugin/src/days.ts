const DAY_MS = 86_400_000;

/** A UTC day as `YYYY-MM-DD`, `days` before `now` (0: today), the way `<input type="date">` holds it. */
export function dayBefore(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Whole UTC days from `from` through `to` as the ingest's ISO range: the end is the start of the
 * day after `to`, or `now` if that is still to come (nothing can be fetched from the future).
 */
export function dayRange(from: string, to: string, now: Date): { from: string; to: string } {
  const end = Math.min(Date.parse(`${to}T00:00:00.000Z`) + DAY_MS, now.getTime());
  return { from: `${from}T00:00:00.000Z`, to: new Date(end).toISOString() };
}

/** Why the two days cannot make a range, or null. */
export function rangeProblem(from: string, to: string, now: Date): { field: 'from' | 'to'; message: string } | null {
  if (!from) return { field: 'from', message: 'Choose the first day.' };
  if (!to) return { field: 'to', message: 'Choose the last day.' };
  if (to < from) return { field: 'to', message: 'The last day must not be before the first.' };
  if (from > dayBefore(now, 0)) return { field: 'from', message: 'The first day must not be in the future.' };
  return null;
}
