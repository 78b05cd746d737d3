import { createHash } from 'node:crypto';
import { EARLIEST_FILE_TIMESTAMP_S } from '../beiwe/protocol/file-name.ts';

/**
 * Rows on their way to LOAD DATA LOCAL INFILE, in MariaDB's default text format (tab-separated,
 * newline-ended, backslash-escaped, `\N` for NULL). Building text in JS and letting the server
 * parse it is the fastest way in (perf-baseline: ~230k rows/s against ~100k for multi-row INSERTs).
 */
export type Cell = string | number | null;

export type ParseContext = {
  readonly participantId: number;
  /** 1 Android, 2 iOS: the `os` column where units or layouts differ. */
  readonly os: 1 | 2;
  /** The time the file name gives, for rows that carry none (wifi scans, survey answers, audio). */
  readonly fileTime: Date;
  /** The file name's time to the millisecond where it is written so (Android's data files), else `fileTime`'s. */
  readonly fileStampMs: number;
  readonly surveyId: string | undefined;
  readonly uploadId: number;
  readonly extension: string;
  readonly now: Date;
};

export type RowWriter = {
  /**
   * Adds a row whose first cell is its time in Unix milliseconds (validated here). Motion streams
   * also give the row's magnitude, so the per-minute rollup need not read the rows back.
   */
  row(ms: number, cells: readonly Cell[], magnitude?: number): void;
  /**
   * The same with the cells after the time already tab-separated, for rows of numbers as sent
   * (`decimal` checked them): nothing in them needs escaping, and the 10 Hz streams skip the work.
   */
  rowText(ms: number, cells: string, magnitude?: number): void;
  reject(): void;
  finish(): WrittenRows;
};

export type WrittenRows = {
  /** Every row's participant: the loader sets it, rather than each row repeating it. */
  participantId: number;
  /** The phone's OS (ParseContext.os): how some streams' rows are loaded depends on it. */
  os: 1 | 2;
  chunks: Buffer[];
  rows: number;
  rejected: number;
  minMs: number | null;
  maxMs: number | null;
  /**
   * The quarter-hours (ms since epoch / 900,000) the rows fall in. Every UTC offset is a multiple
   * of 15 minutes, so no quarter-hour straddles a local midnight: these give the local days touched.
   */
  quarters: Set<number>;
  /**
   * Magnitude statistics per minute (keyed by the minute's Unix ms) of the rows given one; null
   * when some magnitude was not a finite number, and the rollup must come from the stored rows.
   */
  minutes: Map<number, MinuteStats> | null;
  /** Each row's time and magnitude, when the writer was asked to keep them (accelerometer: walking). */
  samples: { times: number[]; magnitudes: number[] } | null;
};

/** One minute of a motion stream as `motion_minutes` keeps it. */
export type MinuteStats = { n: number; sum: number; sqSum: number; min: number; max: number };

const FLUSH_AT = 1 << 20;
const LATEST_AHEAD_MS = 90 * 86_400_000;

/** Buffers rows in ~1 MiB chunks, so a day of 10 Hz data never becomes one huge string. */
export function createRowWriter(ctx: ParseContext, options: { keepSamples?: boolean } = {}): RowWriter {
  const chunks: Buffer[] = [];
  const earliest = EARLIEST_FILE_TIMESTAMP_S * 1000;
  const latest = ctx.now.getTime() + LATEST_AHEAD_MS;
  let text = '';
  let rows = 0;
  let rejected = 0;
  let minMs = Infinity;
  let maxMs = -Infinity;
  const quarters = new Set<number>();
  let minutes: Map<number, MinuteStats> | null = new Map();
  const samples = options.keepSamples ? { times: [] as number[], magnitudes: [] as number[] } : null;
  // Rows come in time order, at 10 Hz many to a minute: the last quarter and minute save the lookups.
  let lastQuarter = NaN;
  let lastMinute = NaN;
  let lastStats: MinuteStats | undefined;
  const add = (ms: number, cells: string, magnitude: number | undefined) => {
    // Beiwe drops rows whose time is corrupt or out of range; so does Vigil.
    if (!Number.isSafeInteger(ms) || ms < earliest || ms > latest) {
      rejected++;
      return;
    }
    text += `${ms}${cells}\n`;
    rows++;
    if (ms < minMs) minMs = ms;
    if (ms > maxMs) maxMs = ms;
    const quarter = Math.floor(ms / 900_000);
    if (quarter !== lastQuarter) {
      quarters.add(quarter);
      lastQuarter = quarter;
    }
    if (magnitude !== undefined && minutes) {
      if (!Number.isFinite(magnitude)) minutes = null;
      else {
        const minute = ms - (ms % 60_000);
        if (minute !== lastMinute || !lastStats) {
          lastStats = minuteOf(minutes, minute);
          lastMinute = minute;
        }
        addTo(lastStats, magnitude);
      }
    }
    if (samples && magnitude !== undefined) {
      samples.times.push(ms);
      samples.magnitudes.push(magnitude);
    }
    if (text.length >= FLUSH_AT) {
      chunks.push(Buffer.from(text, 'utf8'));
      text = '';
    }
  };
  return {
    row(ms, cells, magnitude) {
      let line = '';
      for (const cell of cells)
        line += cell === null ? '\t\\N' : typeof cell === 'number' ? `\t${cell}` : `\t${escapeText(cell)}`;
      add(ms, line, magnitude);
    },
    rowText(ms, cells, magnitude) {
      add(ms, `\t${cells}`, magnitude);
    },
    reject() {
      rejected++;
    },
    finish() {
      if (text.length > 0) chunks.push(Buffer.from(text, 'utf8'));
      text = '';
      return {
        participantId: ctx.participantId,
        os: ctx.os,
        chunks,
        rows,
        rejected,
        minMs: rows > 0 ? minMs : null,
        maxMs: rows > 0 ? maxMs : null,
        quarters,
        minutes,
        samples,
      };
    },
  };
}

/** The minute's statistics, new and empty if it had none. */
function minuteOf(minutes: Map<number, MinuteStats>, minute: number): MinuteStats {
  let s = minutes.get(minute);
  if (!s) {
    s = { n: 0, sum: 0, sqSum: 0, min: Infinity, max: -Infinity };
    minutes.set(minute, s);
  }
  return s;
}

function addTo(s: MinuteStats, mag: number): void {
  s.n++;
  s.sum += mag;
  s.sqSum += mag * mag;
  if (mag < s.min) s.min = mag;
  if (mag > s.max) s.max = mag;
}

/** Adds `from`'s minutes into `into`. */
export function mergeMinutes(into: Map<number, MinuteStats>, from: ReadonlyMap<number, MinuteStats>): void {
  for (const [minute, s] of from) {
    const t = into.get(minute);
    if (!t) {
      into.set(minute, { ...s });
      continue;
    }
    t.n += s.n;
    t.sum += s.sum;
    t.sqSum += s.sqSum;
    if (s.min < t.min) t.min = s.min;
    if (s.max > t.max) t.max = s.max;
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

function escapeText(value: string): string {
  return /[\\\t\n\r\0]/.test(value) ? value.replace(/[\\\t\n\r\0]/g, (ch) => ESCAPES[ch] ?? ch) : value;
}

/** A decimal number as the phones print it; returned as sent (trimmed) so the server converts it once. */
export function numeric(cell: string | undefined): string | undefined {
  return cell === undefined || Number.isNaN(decimal(cell)) ? undefined : trimmed(cell);
}

/** A number as the phones print it (NaN if it is not one), for the value itself; `numeric` gives its text. */
export function decimal(cell: string | undefined): number {
  const text = cell && trimmed(cell);
  const value = text ? Number(text) : NaN;
  return Number.isFinite(value) ? value : NaN;
}

/** The cell trimmed, without a call for the usual cell that starts and ends in printable ASCII. */
export function trimmed(cell: string): string {
  return printable(cell.charCodeAt(0)) && printable(cell.charCodeAt(cell.length - 1)) ? cell : cell.trim();
}

const printable = (code: number) => code > 32 && code < 127;

export function integerMs(cell: string | undefined): number {
  const text = cell === undefined ? '' : trimmed(cell);
  if (text.length === 0 || text.length > 16) return NaN;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
  }
  return Number(text);
}

/** Eight bytes of SHA-1, hex: tells apart different rows that share a participant and millisecond. */
export function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}

/** The header's column names, trimmed (Android writes `timestamp, event` with spaces). */
export function headerColumns(header: string): string[] {
  return header.split(',').map((c) => c.trim());
}

/** Calls `each` for every non-empty line after the first (the header), which it returns. */
export function forEachRow(text: string, each: (line: string) => void): string {
  let end = text.indexOf('\n');
  const header = (end === -1 ? text : text.slice(0, end)).replace(/\r$/, '');
  while (end !== -1) {
    const start = end + 1;
    end = text.indexOf('\n', start);
    const line = end === -1 ? text.slice(start) : text.slice(start, end);
    if (line.length > 0 && line !== '\r') each(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
  return header;
}
