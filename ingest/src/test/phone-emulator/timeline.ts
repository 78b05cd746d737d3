import type { Prng } from './prng.ts';

/**
 * Timing helpers for the stream generators. All times are Unix milliseconds; a generator produces
 * rows for [from, to).
 */

/** Rows of one stream in time order: `times[i]` is when `rows[i]` was written. */
export type TimedRows = { times: number[]; rows: string[] };

export function emptyRows(): TimedRows {
  return { times: [], rows: [] };
}

/** Duty-cycled sensors: on for `onSeconds`, off for `offSeconds`, starting switched on at `from`. */
export function onPeriods(from: number, to: number, onSeconds: number, offSeconds: number): [number, number][] {
  const periods: [number, number][] = [];
  const cycle = (onSeconds + offSeconds) * 1000;
  if (onSeconds <= 0) return periods;
  for (let start = from; start < to; start += cycle) periods.push([start, Math.min(start + onSeconds * 1000, to)]);
  return periods;
}

/**
 * Sample times at `hz` within [start, end), as whole milliseconds with a few ms of jitter
 * (Android: boot_time_milli + SensorEvent.timestamp / 1e6, integer division).
 */
export function sampleTimes(start: number, end: number, hz: number, random: Prng): number[] {
  const times: number[] = [];
  if (hz <= 0) return times;
  const step = 1000 / hz;
  let last = -Infinity;
  for (let t = start + random.between(0, step); t < end; t += step) {
    const jittered = Math.max(Math.floor(t + random.between(-2, 2)), last + 1, start);
    if (jittered >= end) break;
    times.push(jittered);
    last = jittered;
  }
  return times;
}

/** Random event times at an average of `perHour`, exponential gaps. */
export function eventTimes(from: number, to: number, perHour: number, random: Prng): number[] {
  const times: number[] = [];
  if (perHour <= 0) return times;
  const meanGap = 3_600_000 / perHour;
  for (let t = from - Math.log(1 - random.next()) * meanGap; t < to; t -= Math.log(1 - random.next()) * meanGap) {
    times.push(Math.floor(t));
  }
  return times;
}

/** File rotation windows of `seconds` starting at `from` (create_new_data_files_frequency_seconds). */
export function rotationWindows(from: number, to: number, seconds: number): [number, number][] {
  const windows: [number, number][] = [];
  for (let start = from; start < to; start += seconds * 1000)
    windows.push([start, Math.min(start + seconds * 1000, to)]);
  return windows;
}

/** Merges several row sets into one, in time order (stable for equal times). */
export function mergeRows(parts: readonly TimedRows[]): TimedRows {
  const all: { t: number; row: string; order: number }[] = [];
  let order = 0;
  for (const part of parts) {
    for (let i = 0; i < part.times.length; i++)
      all.push({ t: part.times[i] as number, row: part.rows[i] as string, order: order++ });
  }
  all.sort((a, b) => a.t - b.t || a.order - b.order);
  return { times: all.map((e) => e.t), rows: all.map((e) => e.row) };
}
