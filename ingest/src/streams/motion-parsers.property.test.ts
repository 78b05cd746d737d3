import { describe, expect, it } from 'vitest';
import * as phone from '../test/phone-emulator/number-format.ts';
import { createPrng } from '../test/phone-emulator/prng.ts';
import { accelerometer, devicemotion, gyro, magnetometer } from './motion-parsers.ts';
import {
  floatToLoad,
  fromStored,
  plainDouble,
  plainFloat,
  plainFloatToLoad,
  storedDouble,
  storedFloat,
} from './phone-numbers.ts';
import {
  createRowWriter,
  decimal,
  forEachRow,
  headerColumns,
  integerMs,
  numeric,
  trimmed,
  type ParseContext,
  type RowWriter,
  type WrittenRows,
} from './rows.ts';

/**
 * The one-pass motion parser (motion-parsers.ts) gives the rows the reading it replaced gave — a
 * `split(',')` per line and `Number` per cell, kept below as the reference — over seeded random
 * files: the phones' own text (the emulator's formatting), every sign and exponent form, values
 * on and beside a float's rounding boundary, NaN and infinities as each OS prints them, and cells,
 * times, accuracies and line endings no phone writes.
 */
const random = createPrng('motion-parsers-property');

const ctx = (os: 1 | 2): ParseContext => ({
  participantId: 7,
  os,
  fileTime: new Date('2026-11-22T00:00:00Z'),
  fileStampMs: Date.parse('2026-11-22T00:00:00Z'),
  surveyId: undefined,
  uploadId: 1,
  extension: 'csv',
  now: new Date('2026-11-23T00:00:00Z'),
});

// The reference: the parser as it was before the one-pass reading.
const G = 9.80665;
const norm = (x: number, y: number, z: number) => Math.sqrt(x * x + y * y + z * z);
type Magnitude = (x: number, y: number, z: number, os: 1 | 2) => number;
const asStored: Magnitude = (x, y, z) => norm(x, y, z);
const accelerometerMs2: Magnitude = (x, y, z, os) =>
  os === 2 ? norm(Math.fround(x * G), Math.fround(y * G), Math.fround(z * G)) : asStored(x, y, z, os);

function referenceAccuracy(cell: string | undefined): string | undefined {
  const v = cell?.trim();
  if (v === '0' || v === '1' || v === '2' || v === '3') return v;
  return v === undefined || v === '' || v === 'unknown' ? '\\N' : undefined;
}

function referenceXyz(text: string, c: ParseContext, w: RowWriter, withOs: boolean, magnitude: Magnitude): void {
  const header = text.slice(0, Math.max(0, text.indexOf('\n')));
  const columns = headerColumns(header);
  const at = ['timestamp', 'x', 'y', 'z'].map((n) => columns.indexOf(n));
  const accuracyAt = columns.indexOf('accuracy');
  const store = c.os === 1 ? storedFloat : storedDouble;
  forEachRow(text, (line) => {
    if (at.some((i) => i < 0)) return w.reject();
    const cells = line.split(',');
    const [ti, xi, yi, zi] = at as [number, number, number, number];
    const [xs, ys, zs] = [cells[xi], cells[yi], cells[zi]];
    const acc = accuracyAt >= 0 ? referenceAccuracy(cells[accuracyAt]) : '\\N';
    if (Number.isNaN(decimal(xs)) || Number.isNaN(decimal(ys)) || Number.isNaN(decimal(zs)) || acc === undefined) {
      return w.reject();
    }
    const [sx, sy, sz] = [store(trimmed(xs!)), store(trimmed(ys!)), store(trimmed(zs!))];
    const xyz = `${sx}\t${sy}\t${sz}`;
    w.rowText(
      integerMs(cells[ti]),
      withOs ? `${c.os}\t${acc}\t${xyz}` : xyz,
      magnitude(Number(sx), Number(sy), Number(sz), c.os)
    );
  });
}

const reference = {
  accelerometer: (t: string, c: ParseContext, w: RowWriter) => referenceXyz(t, c, w, true, accelerometerMs2),
  gyro: (t: string, c: ParseContext, w: RowWriter) => referenceXyz(t, c, w, true, asStored),
  magnetometer: (t: string, c: ParseContext, w: RowWriter) => referenceXyz(t, c, w, false, asStored),
};
const parsers = { accelerometer, gyro, magnetometer };

// The device motion reading before the one-pass one, as it was (but for the calibration lookup:
// it read a plain object, so a cell `constructor` found Object's; see the test below).
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
const USER_ACCEL = DEVICEMOTION_COLUMNS.indexOf('user_accel_x') - 1;
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
function referenceDevicemotion(text: string, _c: ParseContext, w: RowWriter): void {
  const header = text.slice(0, Math.max(0, text.indexOf('\n')));
  const columns = headerColumns(header);
  const indices = DEVICEMOTION_COLUMNS.map((n) => columns.indexOf(n));
  const at = indices.every((i) => i >= 0) ? indices : undefined;
  forEachRow(text, (line) => {
    if (!at) return w.reject();
    const cells = line.split(',');
    const values: (string | number | null)[] = [];
    for (let i = 1; i < at.length; i++) {
      const cell = cells[at[i]!];
      if (DEVICEMOTION_COLUMNS[i] === 'magnetic_field_calibration_accuracy') {
        const key = cell?.trim() ?? '';
        const level = Object.hasOwn(CALIBRATION, key) ? CALIBRATION[key] : undefined;
        if (level === undefined) return w.reject();
        values.push(level);
      } else {
        const v = numeric(cell);
        if (v === undefined) return w.reject();
        values.push(storedDouble(v));
      }
    }
    const [ux, uy, uz] = values.slice(USER_ACCEL, USER_ACCEL + 3) as [string, string, string];
    w.row(integerMs(cells[at[0]!]), values, norm(Number(ux), Number(uy), Number(uz)) * G);
  });
}

/**
 * The float an Android value cell loads as: its text read to the nearest double, rounded to a float
 * (what `CAST(… AS FLOAT)` does), and `\N` for -0; the reference's stored -0 reads as -0 too. Both
 * parsers' rows are compared as what they store, as their texts differ (nine digits, and 17).
 */
const loadedFloat = (cell: string) => (cell === '\\N' ? -0 : Math.fround(fromStored(cell)));

/** The rows' text as loaded. */
function tsvOf(parser: (t: string, c: ParseContext, w: RowWriter) => void, os: 1 | 2, text: string): string {
  const w = createRowWriter(ctx(os));
  parser(text, ctx(os), w);
  return Buffer.concat(w.finish().chunks).toString('utf8');
}

/** How many significant digits a decimal text has (its exponent aside). */
const significantDigits = (text: string) => text.replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').length;

/** Everything a parse gives, comparable with toEqual (sets and maps sorted; Android's values as stored). */
function run(parser: (t: string, c: ParseContext, w: RowWriter) => void, os: 1 | 2, text: string) {
  const w = createRowWriter(ctx(os), { keepSamples: true });
  parser(text, ctx(os), w);
  const out: WrittenRows = w.finish();
  const tsv = Buffer.concat(out.chunks).toString('utf8');
  return {
    tsv:
      os === 2
        ? tsv
        : tsv
            .split('\n')
            .map((line) => line.split('\t').map((cell, i, all) => (i >= all.length - 3 ? loadedFloat(cell) : cell))),
    rows: out.rows,
    rejected: out.rejected,
    minMs: out.minMs,
    maxMs: out.maxMs,
    quarters: [...out.quarters].sort((a, b) => a - b),
    minutes: out.minutes && [...out.minutes].sort((a, b) => a[0] - b[0]),
    samples: out.samples,
  };
}

// Values and cells.
const bits = new DataView(new ArrayBuffer(8));
function anyFloat(): number {
  for (;;) {
    bits.setUint32(0, random.int(0, 0xffffffff));
    const v = bits.getFloat32(0);
    if (Number.isFinite(v)) return v;
  }
}
function anyDouble(): number {
  for (;;) {
    bits.setUint32(0, random.int(0, 0xffffffff));
    bits.setUint32(4, random.int(0, 0xffffffff));
    const v = bits.getFloat64(0);
    if (Number.isFinite(v)) return v;
  }
}
const sensorLike = () => random.normal(0, random.pick([20, 1, 0.03, 1e-5]));
/** The float next to `f` away from zero, and the double halfway there: where a reading decides which float. */
function floatBoundary(): number {
  const f = Math.fround(sensorLike()) || 1;
  bits.setFloat32(0, f);
  bits.setUint32(0, bits.getUint32(0) + 1);
  const midpoint = (f + bits.getFloat32(0)) / 2;
  return midpoint + random.pick([0, 0, 1, -1]) * Math.abs(midpoint) * 2 ** -52;
}
const digits = (n: number) => Array.from({ length: n }, () => random.int(0, 9)).join('');

/** Numbers as the phones print them, and as a file might hold them otherwise. */
function numberCell(os: 1 | 2): string {
  switch (random.int(0, 9)) {
    case 0:
    case 1:
    case 2:
      return os === 1 ? phone.javaFloatFixed16(sensorLike()) : phone.swiftDouble(sensorLike());
    case 3:
      return os === 1 ? phone.javaFloatFixed16(anyFloat()) : phone.swiftDouble(anyDouble());
    case 4: {
      const v = floatBoundary();
      return random.pick([String(v), v.toPrecision(17), v.toPrecision(19), v.toPrecision(21), phone.javaFixed16(v)]);
    }
    case 5: // plain decimals of any length, with exponents of any size
      return `${random.pick(['', '-', '+'])}${digits(random.int(0, 25))}${random.pick(['', '.'])}${digits(random.int(0, 25))}${random.chance(0.5) ? `${random.pick(['e', 'E'])}${random.pick(['', '-', '+'])}${digits(random.int(0, 4))}` : ''}`;
    case 6:
      return random.pick([
        '-0',
        '-0.0',
        '-0.0000000000000000',
        '0.0',
        '0e5',
        '-0e-5',
        '1e-05',
        '-1.5e-10',
        '9.007199254740994e+15',
        '1e39',
        '-3.4028235677973366e38',
        '3.4028234663852886e38',
        '1e-50',
        '5e-324',
        '1.7976931348623157e+308',
        '1e400',
        '9007199254740993',
        '90071992547409930',
        '123456789012345678901234',
      ]);
    case 7: // what Android and iOS print for NaN and the infinities
      return random.pick(['NaN', 'Infinity', '-Infinity', 'nan', 'inf', '-inf']);
    case 8: // forms Number reads that the phones do not print
      return random.pick([
        '.5',
        '5.',
        '-.5',
        '0x1A',
        '0b11',
        ' 1.5',
        '2.5 ',
        '\t3',
        '1.5\t',
        '1_000',
        '',
        ' ',
        '--1',
        'one',
      ]);
    default:
      return `${random.pick(['', '-'])}${random.int(0, 20)}.${digits(random.int(1, 17))}`;
  }
}

function timeCell(): string {
  const ms = 1763769600000 + random.int(0, 3_600_000);
  return random.chance(0.9)
    ? String(ms)
    : random.pick([` ${ms}`, `0${ms}`, `${ms}.5`, '', 'soon', '99999999999999999', '1', String(ms * 10)]);
}

const accuracyCell = () =>
  random.chance(0.8) ? random.pick(['0', '1', '2', '3', 'unknown']) : random.pick(['', ' 2 ', '7', '33', 'x', '3\r']);

const calibrationCell = () =>
  random.chance(0.9)
    ? random.pick(['uncalibrated', 'low', 'medium', 'high', 'unknown', '-1', '0', '1', '2'])
    : random.pick(['', ' high ', 'High', '3', '-2', '1.0', 'x', 'high\r', 'constructor', 'toString', '__proto__']);

const DEVICEMOTION_HEADERS = [
  DEVICEMOTION_COLUMNS.join(','),
  DEVICEMOTION_COLUMNS.join(', '),
  [...DEVICEMOTION_COLUMNS].reverse().join(','),
  DEVICEMOTION_COLUMNS.slice(0, -1).join(','),
  `${DEVICEMOTION_COLUMNS.join(',')},extra`,
];

const HEADERS = {
  1: ['timestamp,accuracy,x,y,z', 'timestamp, accuracy, x, y, z', 'x,y,z,timestamp', 'timestamp,x,y,z'],
  2: ['timestamp,x,y,z', 'timestamp,accuracy,x,y,z', 'timestamp,x,y'],
} as const;

function randomFile(
  os: 1 | 2,
  rows: number,
  headers: readonly string[] = HEADERS[os],
  number: () => string = () => numberCell(os)
): string {
  const header = random.chance(0.9) ? headers[0]! : random.pick(headers);
  const columns = headerColumns(header);
  const lines: string[] = [header];
  for (let i = 0; i < rows; i++) {
    const cells = columns.map((c) =>
      c === 'timestamp'
        ? timeCell()
        : c === 'accuracy'
          ? accuracyCell()
          : c === 'magnetic_field_calibration_accuracy'
            ? calibrationCell()
            : number()
    );
    if (random.chance(0.03)) cells.pop();
    if (random.chance(0.03)) cells.push(numberCell(os));
    lines.push(random.pick(['', '', '', '\r']) + (random.chance(0.02) ? '' : cells.join(',')));
    if (random.chance(0.02)) lines.push(random.pick(['', '\r', '\r\r']));
  }
  return lines.join('\n') + random.pick(['', '\n', '\r\n']);
}

describe('motion parsers: one pass over the text', () => {
  it.each([
    ['accelerometer', 1],
    ['accelerometer', 2],
    ['gyro', 1],
    ['gyro', 2],
    ['magnetometer', 2],
  ] as const)('%s (os %i): the same rows as the reading it replaced, over seeded random files', (stream, os) => {
    for (let file = 0; file < 40; file++) {
      const text = randomFile(os, 250);
      expect(run(parsers[stream], os, text), text).toEqual(run(reference[stream], os, text));
    }
  });

  it('devicemotion (os 2): the same rows as the split-based reading it replaced, over seeded random files', () => {
    let [kept, dropped] = [0, 0];
    for (let file = 0; file < 40; file++) {
      // Fewer odd numbers than the 3-column streams get: with 15 a row, most rows would be rejected.
      const number = () => (random.chance(0.95) ? phone.swiftDouble(sensorLike()) : numberCell(2));
      const text = randomFile(2, 250, DEVICEMOTION_HEADERS, number);
      const out = run(devicemotion, 2, text);
      expect(out, text).toEqual(run(referenceDevicemotion, 2, text));
      [kept, dropped] = [kept + out.rows, dropped + out.rejected];
    }
    // Not vacuous: both ways are taken often.
    expect(Math.min(kept, dropped)).toBeGreaterThan(1000);
  });

  it('devicemotion: a calibration cell naming an object property is rejected, not stored', () => {
    const values = Array.from({ length: 15 }, (_, i) => `${i}.5`);
    const row = (calibration: string) =>
      ['1763769600000', ...values.slice(0, 12), calibration, ...values.slice(12)].join(',');
    const text = [DEVICEMOTION_COLUMNS.join(','), row('constructor'), row('toString'), row('high')].join('\n');
    const out = run(devicemotion, 2, text);
    expect([out.rows, out.rejected]).toEqual([1, 2]);
    expect(out.tsv).toBe(`1763769600000\t${values.slice(0, 12).join('\t')}\t2\t${values.slice(12).join('\t')}\n`);
  });

  it('loads each Android float as nine digits that round to it, and stores each iOS double as the double', () => {
    const t0 = 1763769600000;
    const values = [
      -0,
      0,
      1,
      -1,
      9.80665,
      ...Array.from({ length: 3000 }, sensorLike),
      ...Array.from({ length: 3000 }, anyFloat),
    ]
      // %.16f keeps a float's value from 1e-6 up; below, its 16 places may not reach the float.
      .filter((v) => Math.fround(v) === 0 || Math.abs(Math.fround(v)) >= 1e-6);
    const android = values.map(
      (v, i) => `${t0 + i},3,${phone.javaFloatFixed16(v)},${phone.javaFloatFixed16(-v)},0.0000000000000000`
    );
    const rows = run(accelerometer, 1, ['timestamp,accuracy,x,y,z', ...android].join('\n')).tsv as string[][];
    expect(rows.slice(0, -1)).toEqual(
      values.map((v, i) => [`${t0 + i}`, '1', '3', Math.fround(v), Math.fround(-v), 0])
    );
    const lines = tsvOf(accelerometer, 1, ['timestamp,accuracy,x,y,z', ...android].join('\n')).split('\n');
    for (const line of lines.slice(0, -1)) {
      for (const cell of line.split('\t').slice(3)) expect(significantDigits(cell), line).toBeLessThanOrEqual(9);
    }
    expect(lines[0]).toBe(`${t0}\t1\t3\t\\N\t0\t0`);
    const expected = (v: number) => (Object.is(v, -0) ? '-5e-324' : String(v));
    const doubles = [
      -0,
      1e-5,
      2 ** 53 + 2,
      ...Array.from({ length: 3000 }, sensorLike),
      ...Array.from({ length: 3000 }, anyDouble),
    ];
    const ios = doubles.map((v, i) => `${t0 + i},${phone.swiftDouble(v)},${phone.swiftDouble(-v)},1.0`);
    expect(
      tsvOf(gyro, 2, ['timestamp,x,y,z', ...ios].join('\n'))
        .split('\n')
        .slice(0, -1)
    ).toEqual(doubles.map((v, i) => `${t0 + i}\t2\t\\N\t${expected(v)}\t${expected(-v)}\t1`));
  });

  it('rejects NaN and infinities as either OS prints them', () => {
    const rows = ['NaN', 'Infinity', '-Infinity', 'nan', 'inf', '-inf'].map((v) => `1763769600000,3,${v},0,0`);
    const out = run(accelerometer, 1, ['timestamp,accuracy,x,y,z', ...rows].join('\n'));
    expect([out.rows, out.rejected]).toEqual([0, 6]);
  });
});

describe('plainFloat and plainDouble', () => {
  it('give what Math.fround(Number(text)) and Number(text) give, or NaN to read it the general way', () => {
    let read = 0;
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const text = numberCell(random.chance(0.5) ? 1 : 2);
      const f = plainFloat(text, 0, text.length);
      if (!Number.isNaN(f)) {
        read++;
        expect(Object.is(f, Math.fround(Number(text))), text).toBe(true);
      }
      const d = plainDouble(text, 0, text.length);
      if (!Number.isNaN(d)) expect(Object.is(d, Number(text)), text).toBe(true);
    }
    // Not vacuous: a good part takes the plain way (the rest are odd forms, too long, or near a boundary).
    expect(read / n).toBeGreaterThan(0.2);
  });

  it('read a cell inside a line, and every Android phone value the plain way', () => {
    const line = '1763769600000,3,-0.6849803328514099,9.8066501617431640';
    expect(plainFloat(line, 16, 35)).toBe(Math.fround(-0.6849803328514099));
    expect(plainFloat(line, 36, line.length)).toBe(Math.fround(9.80665));
    expect(plainDouble(line, 16, 35)).toBe(-0.6849803328514099);
    for (let i = 0; i < 5000; i++) {
      const text = phone.javaFloatFixed16(sensorLike());
      expect(plainFloat(text, 0, text.length), text).toBe(Math.fround(Number(text)));
    }
  });
});

describe('floatToLoad and plainFloatToLoad', () => {
  // What the server does with the text (a DOUBLE read, then CAST AS FLOAT), as JS does it exactly;
  // streams.db.test.ts holds MariaDB to the same.
  const loaded = (text: string) => (text === '\\N' ? -0 : Math.fround(Number(text)));

  it('give nine digits or fewer that round to the float, for the phone’s text and texts near it', () => {
    let cut = 0;
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const f = Math.fround(random.chance(0.5) ? sensorLike() : random.chance(0.5) ? floatBoundary() : anyFloat());
      const text = random.chance(0.5) ? phone.javaFloatFixed16(f) : numberCell(1);
      const read = plainFloat(text, 0, text.length);
      const printed = floatToLoad(f);
      expect(Object.is(loaded(printed), f), `${f} → ${printed}`).toBe(true);
      expect(significantDigits(printed)).toBeLessThanOrEqual(9);
      if (Number.isNaN(read)) continue;
      const out = plainFloatToLoad(text, 0, text.length, read);
      expect(Object.is(loaded(out), read), `${text} → ${out}`).toBe(true);
      expect(significantDigits(out), out).toBeLessThanOrEqual(9);
      if (text.startsWith(out.slice(0, -1)) && out !== printed) cut++;
    }
    // Not vacuous: many cells are cut from their own text rather than printed.
    expect(cut / n).toBeGreaterThan(0.2);
  });

  it('cut where nine digits end, not before the point, and mark -0', () => {
    const line = '1763769600000,3,-0.6849803328514099,9.8066501617431640,1234567936.0';
    expect(plainFloatToLoad(line, 16, 35, plainFloat(line, 16, 35))).toBe('-0.684980332');
    expect(plainFloatToLoad(line, 36, 54, plainFloat(line, 36, 54))).toBe('9.80665016');
    expect(plainFloatToLoad(line, 55, line.length, plainFloat(line, 55, line.length))).toBe('1.23456794e+9');
    expect(plainFloatToLoad('123456792.25', 0, 12, plainFloat('123456792.25', 0, 12))).toBe('123456792');
    expect(plainFloatToLoad('-0.0000000000000000', 0, 19, -0)).toBe('\\N');
    expect(floatToLoad(0)).toBe('0');
    expect(floatToLoad(-0)).toBe('\\N');
  });
});
