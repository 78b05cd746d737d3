/**
 * Calendar days in a study's time zone, as UTC instants: data quantity counts a patient's day as
 * they lived it, which a UTC day is not (and a DST day has 23 or 25 hours).
 */
const dayFormats = new Map<string, Intl.DateTimeFormat>();
const partFormats = new Map<string, Intl.DateTimeFormat>();

function formatFor(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, options: Intl.DateTimeFormatOptions) {
  let format = cache.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, ...options });
    cache.set(timeZone, format);
  }
  return format;
}

/** `YYYY-MM-DD` of an instant in a time zone. */
export function localDay(instant: Date, timeZone: string): string {
  return formatFor(dayFormats, timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** Local wall-clock time minus UTC at an instant, in ms. */
export function offsetMs(instant: number, timeZone: string): number {
  const parts = formatFor(partFormats, timeZone, {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The UTC instant at which `day` (YYYY-MM-DD) begins in `timeZone`. */
export function dayStart(day: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wallMidnight = Date.UTC(y, m - 1, d);
  let guess = wallMidnight - offsetMs(wallMidnight, timeZone);
  // Once more, in case the offset at the first guess differs from the offset at midnight (DST).
  guess = wallMidnight - offsetMs(guess, timeZone);
  return new Date(guess);
}

export function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export type LocalDay = { day: string; start: Date; end: Date };

/**
 * The local days holding the given quarter-hours (see `WrittenRows.quarters`), sorted: only days
 * that hold something, so a stray row years off does not make an upload recount every day between.
 */
export function localDaysTouched(quarters: Iterable<number>, timeZone: string): LocalDay[] {
  const days = new Set<string>();
  for (const q of quarters) days.add(localDay(new Date(q * 900_000), timeZone));
  return [...days]
    .sort()
    .map((day) => ({ day, start: dayStart(day, timeZone), end: dayStart(nextDay(day), timeZone) }));
}
