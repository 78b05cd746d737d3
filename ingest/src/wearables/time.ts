/** Time-zone arithmetic on IANA names with Intl only (no zone database of our own). */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A zone's wall-clock parts (24-hour), one formatter per zone for the process. */
export function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Minutes east of UTC in `timeZone` at `at`. */
export function offsetMinutes(timeZone: string, at: Date): number {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value])
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second)
  );
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** A zone-less local date-time (`2026-11-20T07:30[:00]`) in `timeZone` as a UTC instant. */
export function localToUtc(local: string, timeZone: string): Date {
  const guess = new Date(`${local.length === 16 ? `${local}:00` : local}Z`).getTime();
  const first = offsetMinutes(timeZone, new Date(guess));
  const second = offsetMinutes(timeZone, new Date(guess - first * 60_000));
  return new Date(guess - second * 60_000);
}

/** The local calendar date (YYYY-MM-DD) of an instant at a fixed offset. */
export function localDate(at: Date, offsetMin: number): string {
  return new Date(at.getTime() + offsetMin * 60_000).toISOString().slice(0, 10);
}

export const DAY_MS = 86_400_000;

/** `2026-11-20` of a UTC instant. */
export const utcDate = (at: Date) => at.toISOString().slice(0, 10);

/** Splits [from, to) into consecutive windows of at most `days` days. */
export function windows(from: Date, to: Date, days: number): { from: Date; to: Date }[] {
  const out: { from: Date; to: Date }[] = [];
  for (let start = from.getTime(); start < to.getTime(); start += days * DAY_MS) {
    out.push({ from: new Date(start), to: new Date(Math.min(start + days * DAY_MS, to.getTime())) });
  }
  return out;
}

/** The UTC dates a window touches (its end exclusive). */
export function datesIn(from: Date, to: Date): string[] {
  const out: string[] = [];
  for (let d = Date.parse(utcDate(from)); d < to.getTime(); d += DAY_MS) out.push(utcDate(new Date(d)));
  return out;
}
