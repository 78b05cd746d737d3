/**
 * Times written the way Beiwe's data-access endpoints write them: orjson's rendering of an aware
 * Python datetime (`2024-01-01T10:00:00.123000-05:00`, microseconds only when not zero), and the
 * participant table's `strftime` forms. Vigil keeps milliseconds, so microseconds end in `000`.
 */

import { formatter } from '../wearables/time.ts';

type Wall = { date: string; time: string; offsetMinutes: number };

function wall(d: Date, timeZone: string): Wall {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(d)) if (p.type !== 'literal') parts[p.type] = p.value;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const time = `${parts.hour}:${parts.minute}:${parts.second}`;
  const wallMs = Date.parse(`${date}T${time}.000Z`);
  const offsetMinutes = Math.round((wallMs - (d.getTime() - (((d.getTime() % 1000) + 1000) % 1000))) / 60_000);
  return { date, time, offsetMinutes };
}

const pad = (n: number) => String(n).padStart(2, '0');

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

export type OrjsonOptions = {
  /** orjson's OPT_OMIT_MICROSECONDS. */
  readonly omitMicroseconds?: boolean;
  /** orjson's OPT_UTC_Z: a zero offset is written `Z`. */
  readonly utcZ?: boolean;
};

/** orjson's text for the instant `d` localised to `timeZone` (UTC by default). */
export function orjsonTime(d: Date, timeZone = 'UTC', opts: OrjsonOptions = {}): string {
  const w = wall(d, timeZone);
  const ms = ((d.getTime() % 1000) + 1000) % 1000;
  const micros = opts.omitMicroseconds || ms === 0 ? '' : `.${String(ms).padStart(3, '0')}000`;
  const offset = w.offsetMinutes === 0 && opts.utcZ ? 'Z' : offsetText(w.offsetMinutes, true);
  return `${w.date}T${w.time}${micros}${offset}`;
}

/** `%Y-%m-%d` of the instant in `timeZone`. */
export function localDate(d: Date, timeZone: string): string {
  return wall(d, timeZone).date;
}

const abbreviations = new Map<string, Intl.DateTimeFormat>();

/**
 * Python's `%Z` for a zoneinfo zone: the tz database's abbreviation (EST, CET), or its numeric form
 * where the zone has none (`+04`). ICU has no tz database abbreviations; its English names agree
 * with them for the Americas (en-US) and Europe (en-GB), so other zones get the numeric form,
 * which differs from Python where the tz database has a letter abbreviation there (IST, AEDT).
 */
function zoneAbbreviation(d: Date, timeZone: string, offsetMinutes: number): string {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 'UTC';
  const locale = timeZone.startsWith('America/') ? 'en-US' : timeZone.startsWith('Europe/') ? 'en-GB' : undefined;
  if (locale) {
    let f = abbreviations.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' });
      abbreviations.set(timeZone, f);
    }
    const name = f.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value;
    if (name && /^[A-Z]{2,5}$/.test(name)) return name;
  }
  const numeric = offsetText(offsetMinutes, false);
  return numeric.endsWith('00') ? numeric.slice(0, 3) : numeric;
}

/** Beiwe's LEGIBLE_DT_FORMAT, `%Y-%m-%d %H:%M:%S (%Z)`, in `timeZone`. */
export function legibleTime(d: Date, timeZone: string): string {
  const w = wall(d, timeZone);
  return `${w.date} ${w.time} (${zoneAbbreviation(d, timeZone, w.offsetMinutes)})`;
}
