import {
  decimal,
  forEachRow,
  headerColumns,
  integerMs,
  numeric,
  trimmed,
  type ParseContext,
  type RowWriter,
} from './rows.ts';
import {
  floatToLoad,
  plainDouble,
  plainFloatToLoad,
  plainFloat,
  stored,
  storedDouble,
  storedFloat,
} from './phone-numbers.ts';

/**
 * Sensor streams (spec §4.2). Columns are found by header name, not by OS: the header is what the
 * app wrote, and Android and iOS differ (gyro has `accuracy` only on Android).
 */

function columnIndex(header: string, names: readonly string[]): number[] | undefined {
  const columns = headerColumns(header);
  const indices = names.map((n) => columns.indexOf(n));
  return indices.every((i) => i >= 0) ? indices : undefined;
}

/** Android sensor accuracy 0–3 as its cell, `unknown` until first reported (always on iOS); undefined if neither. */
function accuracy(cell: string | undefined): string | undefined {
  const v = cell?.trim();
  switch (v) {
    case '0':
    case '1':
    case '2':
    case '3':
      return v;
    case undefined:
    case '':
    case 'unknown':
      return '\\N';
    default:
      return undefined;
  }
}

/**
 * A row's magnitude exactly as MariaDB computes it from the stored row (rollups.ts): the columns
 * are DOUBLE, holding Android's floats and iOS's doubles as the phones had them; the iOS
 * accelerometer's virtual m/s² column is FLOAT, so it is rounded to single precision first.
 */
const f32 = Math.fround;
const G = 9.80665;
const norm = (x: number, y: number, z: number) => Math.sqrt(x * x + y * y + z * z);
type Magnitude = (x: number, y: number, z: number, os: 1 | 2) => number;
const asStored: Magnitude = (x, y, z) => norm(x, y, z);
const accelerometerMs2: Magnitude = (x, y, z, os) =>
  os === 2 ? norm(f32(x * G), f32(y * G), f32(z * G)) : asStored(x, y, z, os);

/** Android's sensor values are floats, iOS's doubles (spec §4.5). */
const storedFor = (os: 1 | 2) => (os === 1 ? storedFloat : storedDouble);

/** A cell's value as stored (Android's float, iOS's double), or NaN when it is not a number a phone writes. */
type ValueReader = (text: string, start: number, end: number) => number;

/** The general reading of a cell, for what the plain readers leave (spaces, `+1`, `.5`, …). */
const generalValue =
  (os: 1 | 2): ValueReader =>
  (text, start, end) => {
    const cell = text.slice(start, end);
    if (Number.isNaN(decimal(cell))) return NaN;
    const v = Number(trimmed(cell));
    return os === 1 ? Math.fround(v) : v;
  };

/**
 * Reads cells the plain way (plainFloat/plainDouble) where it can, else the general way; `plain`
 * tells which way the last cell took.
 */
function valueReader(os: 1 | 2) {
  const plain = os === 1 ? plainFloat : plainDouble;
  const general = generalValue(os);
  const reader = {
    plain: false,
    read: (text: string, start: number, end: number): number => {
      const v = plain(text, start, end);
      reader.plain = v === v;
      return reader.plain ? v : general(text, start, end);
    },
  };
  return reader;
}

/** `integerMs` of text[start, end), without a string for the usual cell of digits only. */
function msAt(text: string, start: number, end: number): number {
  if (end - start > 16 || end === start) return integerMs(text.slice(start, end));
  let ms = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return integerMs(text.slice(start, end));
    ms = ms * 10 + (c - 48);
  }
  return ms;
}

const ACCURACY_DIGITS = ['0', '1', '2', '3'];

/** `accuracy` of text[start, end), without a string for the usual single digit. */
function accuracyAt(text: string, start: number, end: number): string | undefined {
  const c = text.charCodeAt(start);
  return end - start === 1 && c >= 48 && c <= 51 ? ACCURACY_DIGITS[c - 48] : accuracy(text.slice(start, end));
}

/**
 * The 10 Hz streams, read in one pass over the text: no string per line or cell, one reading per
 * number (plainFloat/plainDouble, falling back to the general one), and the text it loads as:
 * iOS's printed from the value, Android's nine digits cut from the cell where it was read the
 * plain way. Rows as `forEachRow` and `split(',')` would give them: lines without their `\r`,
 * empty ones skipped, a missing cell `undefined`.
 */
function xyzStream(text: string, ctx: ParseContext, w: RowWriter, withOs: boolean, magnitude: Magnitude): void {
  const header = text.slice(0, Math.max(0, text.indexOf('\n')));
  const at = columnIndex(header, ['timestamp', 'x', 'y', 'z']);
  if (!at) {
    forEachRow(text, () => w.reject());
    return;
  }
  const [ti, xi, yi, zi] = at as [number, number, number, number];
  const ai = headerColumns(header).indexOf('accuracy');
  const last = Math.max(ti, xi, yi, zi, ai);
  const starts = new Int32Array(last + 1);
  const ends = new Int32Array(last + 1);
  const os = ctx.os;
  const reader = valueReader(os);
  const read = (cell: number): number => reader.read(text, starts[cell]!, ends[cell]!);
  const prefix = withOs ? `${os}\t` : '';
  const print =
    os === 1
      ? (v: number, cell: number, fromPlain: boolean) =>
          fromPlain ? plainFloatToLoad(text, starts[cell]!, ends[cell]!, v) : floatToLoad(v)
      : (v: number) => stored(v);
  forEachCells(text, starts, ends, last, (n) => {
    if (xi > n || yi > n || zi > n) return w.reject();
    const x = read(xi);
    const xPlain = reader.plain;
    const y = read(yi);
    const yPlain = reader.plain;
    const z = read(zi);
    const zPlain = reader.plain;
    const acc = ai < 0 || ai > n ? '\\N' : accuracyAt(text, starts[ai]!, ends[ai]!);
    if (x !== x || y !== y || z !== z || acc === undefined) return w.reject();
    const xyz = `${print(x, xi, xPlain)}\t${print(y, yi, yPlain)}\t${print(z, zi, zPlain)}`;
    w.rowText(
      ti > n ? NaN : msAt(text, starts[ti]!, ends[ti]!),
      withOs ? `${prefix}${acc}\t${xyz}` : xyz,
      magnitude(x, y, z, os)
    );
  });
}

export const accelerometer = (text: string, ctx: ParseContext, w: RowWriter) =>
  xyzStream(text, ctx, w, true, accelerometerMs2);
export const gyro = (text: string, ctx: ParseContext, w: RowWriter) => xyzStream(text, ctx, w, true, asStored);
export const magnetometer = (text: string, ctx: ParseContext, w: RowWriter) => xyzStream(text, ctx, w, false, asStored);

const DEVICEMOTION_COLUMNS = [
  'timestamp',
  'roll',
  'pitch',
  'yaw',
  'rotation_rate_x',
  'rotation_rate_y',
  'rotation_rate_z',
  'gravity_x',
  'gravity_y',
  'gravity_z',
  'user_accel_x',
  'user_accel_y',
  'user_accel_z',
  'magnetic_field_calibration_accuracy',
  'magnetic_field_x',
  'magnetic_field_y',
  'magnetic_field_z',
] as const;

/** iOS 2.5 writes CMMagneticFieldCalibrationAccuracy as words; the spec's −1…2 numbers are accepted too. */
const CALIBRATION = new Map<string, string>([
  ['uncalibrated', '-1'],
  ['low', '0'],
  ['medium', '1'],
  ['high', '2'],
  ['unknown', '\\N'],
  ['-1', '-1'],
  ['0', '0'],
  ['1', '1'],
  ['2', '2'],
]);

const CALIBRATION_CELL = DEVICEMOTION_COLUMNS.indexOf('magnetic_field_calibration_accuracy');
const USER_ACCEL_CELL = DEVICEMOTION_COLUMNS.indexOf('user_accel_x');

/**
 * iOS device motion (10 Hz, 16 values a row), read in one pass like the other 10 Hz streams: no
 * string per line or number cell, each number read once (plainDouble, else the general reading)
 * and its stored text printed from the value. Rows as the `split(',')` reading gave them.
 */
export function devicemotion(text: string, _ctx: ParseContext, w: RowWriter): void {
  const header = text.slice(0, Math.max(0, text.indexOf('\n')));
  const at = columnIndex(header, DEVICEMOTION_COLUMNS);
  if (!at) {
    forEachRow(text, () => w.reject());
    return;
  }
  const last = Math.max(...at);
  const starts = new Int32Array(last + 1);
  const ends = new Int32Array(last + 1);
  const reader = valueReader(2);
  const ti = at[0]!;
  const values = new Float64Array(at.length);
  forEachCells(text, starts, ends, last, (n) => {
    if (last > n) return w.reject();
    let cells = '';
    for (let i = 1; i < at.length; i++) {
      const c = at[i]!;
      if (i === CALIBRATION_CELL) {
        const level = CALIBRATION.get(trimmed(text.slice(starts[c]!, ends[c]!)));
        if (level === undefined) return w.reject();
        cells += i === 1 ? level : `\t${level}`;
      } else {
        const v = reader.read(text, starts[c]!, ends[c]!);
        if (v !== v) return w.reject();
        values[i] = v;
        cells += i === 1 ? stored(v) : `\t${stored(v)}`;
      }
    }
    const magnitude = norm(values[USER_ACCEL_CELL]!, values[USER_ACCEL_CELL + 1]!, values[USER_ACCEL_CELL + 2]!) * G;
    w.rowText(msAt(text, starts[ti]!, ends[ti]!), cells, magnitude);
  });
}

/**
 * Calls `each(n)` for every non-empty line after the header, with its \r dropped, once its cells
 * 0..n (n ≤ last, as far as `last` or the line's end) are in starts/ends: what `split(',')` gives
 * of those cells, without the strings.
 */
function forEachCells(
  text: string,
  starts: Int32Array,
  ends: Int32Array,
  last: number,
  each: (n: number) => void
): void {
  let next = text.indexOf('\n');
  while (next !== -1) {
    const lineStart = next + 1;
    next = text.indexOf('\n', lineStart);
    let lineEnd = next === -1 ? text.length : next;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--; // \r
    if (lineEnd === lineStart) continue;
    let n = 0;
    starts[0] = lineStart;
    let k = lineStart;
    for (; k < lineEnd; k++) {
      if (text.charCodeAt(k) === 44) {
        ends[n] = k;
        if (n === last) break;
        starts[++n] = k + 1;
      }
    }
    if (k === lineEnd) ends[n] = lineEnd;
    each(n);
  }
}

export function gps(text: string, ctx: ParseContext, w: RowWriter): void {
  const header = text.slice(0, Math.max(0, text.indexOf('\n')));
  const at = columnIndex(header, ['timestamp', 'latitude', 'longitude', 'altitude', 'accuracy']);
  forEachRow(text, (line) => {
    if (!at) return w.reject();
    const cells = line.split(',');
    const [ti, lat, lon, alt, acc] = at.map((i) => cells[i]) as [string, string, string, string, string];
    const values = [numeric(lat), numeric(lon), numeric(alt), numeric(acc)];
    if (values.some((v) => v === undefined)) return w.reject();
    const [latitude, longitude] = [Number(values[0]), Number(values[1])];
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return w.reject();
    // Android prints doubles with 16 decimals (up to 19 digits), which MariaDB's conversion can land
    // one ulp off; the stored form (at most 17 digits) converts exactly. Android's accuracy is a float.
    w.row(integerMs(ti), [
      ctx.os,
      storedDouble(values[0]!),
      storedDouble(values[1]!),
      storedDouble(values[2]!),
      storedFor(ctx.os)(values[3]!),
    ]);
  });
}
