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
 * are FLOAT, so each value is rounded to single precision first, as is the iOS accelerometer's
 * virtual m/s² column; the arithmetic after that is double precision, in the same order.
 */
const f32 = Math.fround;
const G = 9.80665;
const norm = (x: number, y: number, z: number) => Math.sqrt(x * x + y * y + z * z);
type Magnitude = (x: number, y: number, z: number, os: 1 | 2) => number;
const asStored: Magnitude = (x, y, z) => norm(f32(x), f32(y), f32(z));
const accelerometerMs2: Magnitude = (x, y, z, os) =>
  os === 2 ? norm(f32(f32(x) * G), f32(f32(y) * G), f32(f32(z) * G)) : asStored(x, y, z, os);

function xyzStream(text: string, ctx: ParseContext, w: RowWriter, withOs: boolean, magnitude: Magnitude): void {
  const header = text.slice(0, Math.max(0, text.indexOf('\n')));
  const at = columnIndex(header, ['timestamp', 'x', 'y', 'z']);
  const accuracyAt = headerColumns(header).indexOf('accuracy');
  forEachRow(text, (line) => {
    if (!at) return w.reject();
    const cells = line.split(',');
    const [ti, xi, yi, zi] = at as [number, number, number, number];
    const xs = cells[xi];
    const ys = cells[yi];
    const zs = cells[zi];
    const x = decimal(xs);
    const y = decimal(ys);
    const z = decimal(zs);
    const acc = accuracyAt >= 0 ? accuracy(cells[accuracyAt]) : '\\N';
    if (Number.isNaN(x) || Number.isNaN(y) || Number.isNaN(z) || acc === undefined) return w.reject();
    // The numbers go in as sent (trimmed), so the server converts each once; `decimal` vetted them.
    const xyz = `${trimmed(xs!)}\t${trimmed(ys!)}\t${trimmed(zs!)}`;
    w.rowText(integerMs(cells[ti]), withOs ? `${ctx.os}\t${acc}\t${xyz}` : xyz, magnitude(x, y, z, ctx.os));
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

/** Where user acceleration (in g) sits among the values after the timestamp. */
const USER_ACCEL = DEVICEMOTION_COLUMNS.indexOf('user_accel_x') - 1;

/** iOS 2.5 writes CMMagneticFieldCalibrationAccuracy as words; the spec's −1…2 numbers are accepted too. */
const CALIBRATION: Record<string, number | null> = {
  uncalibrated: -1,
  low: 0,
  medium: 1,
  high: 2,
  unknown: null,
  '-1': -1,
  '0': 0,
  '1': 1,
  '2': 2,
};

export function devicemotion(text: string, _ctx: ParseContext, w: RowWriter): void {
  const header = text.slice(0, Math.max(0, text.indexOf('\n')));
  const at = columnIndex(header, DEVICEMOTION_COLUMNS);
  forEachRow(text, (line) => {
    if (!at) return w.reject();
    const cells = line.split(',');
    const values: (string | number | null)[] = [];
    for (let i = 1; i < at.length; i++) {
      const cell = cells[at[i]!];
      if (DEVICEMOTION_COLUMNS[i] === 'magnetic_field_calibration_accuracy') {
        const level = CALIBRATION[cell?.trim() ?? ''];
        if (level === undefined) return w.reject();
        values.push(level);
      } else {
        const v = numeric(cell);
        if (v === undefined) return w.reject();
        values.push(v);
      }
    }
    const [ux, uy, uz] = values.slice(USER_ACCEL, USER_ACCEL + 3) as [string, string, string];
    w.row(integerMs(cells[at[0]!]), values, asStored(Number(ux), Number(uy), Number(uz), 2) * G);
  });
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
    const [latitude, longitude, altitude] = [Number(values[0]), Number(values[1]), Number(values[2])];
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return w.reject();
    // Android prints doubles with 16 decimals (up to 19 digits), which MariaDB's conversion can land
    // one ulp off; the shortest round-trip form (at most 17 digits) converts exactly.
    w.row(integerMs(ti), [ctx.os, String(latitude), String(longitude), String(altitude), values[3]!]);
  });
}
