import { describe, expect, it } from 'vitest';
import * as phone from '../test/phone-emulator/number-format.ts';
import { createPrng } from '../test/phone-emulator/prng.ts';
import {
  fromStored,
  javaFixed16,
  javaFloatFixed16,
  storedDouble,
  storedFloat,
  swiftDouble,
  swiftFloat,
} from './phone-numbers.ts';

/**
 * The export's formatting against the phone emulator's own (which follows the apps), over many
 * random values, and through storage: the phone's text → what is loaded into the column → what
 * the column gives back → the text again.
 */
const random = createPrng('phone-numbers');
const N = 20_000;

/** A double from 64 random bits: every exponent, subnormals and all (NaN and infinities skipped). */
function anyDouble(): number {
  const view = new DataView(new ArrayBuffer(8));
  for (;;) {
    view.setUint32(0, random.int(0, 0xffffffff));
    view.setUint32(4, random.int(0, 0xffffffff));
    const v = view.getFloat64(0);
    if (Number.isFinite(v)) return v;
  }
}

/** A float32 from 32 random bits. */
function anyFloat(): number {
  const view = new DataView(new ArrayBuffer(4));
  for (;;) {
    view.setUint32(0, random.int(0, 0xffffffff));
    const v = view.getFloat32(0);
    if (Number.isFinite(v)) return v;
  }
}

/** Values like sensors give: a few units either side of zero, and small noise. */
const sensorLike = () => random.normal(0, random.chance(0.5) ? 10 : 0.01);

/** What a DOUBLE column gives back for the text loaded into it (MariaDB converts ≤17 digits exactly). */
const throughDouble = (loaded: string) => fromStored(Number(loaded));

const EDGES = [
  0,
  -0,
  1,
  -1,
  0.1,
  9.80665,
  -0.6849803328514099,
  1e-4,
  1e-5,
  -1e-5,
  0.00012345,
  123456.789,
  2 ** 24,
  2 ** 24 + 2,
  2 ** 53,
  2 ** 53 + 2,
  1e16,
  1e22,
  1e-300,
  Number.MIN_VALUE,
  Number.MAX_VALUE,
  1.1754943508222875e-38,
  1.401298464324817e-45,
  3.4028234663852886e38,
  0.09999999999999999,
  Number('0.99999999999999999'),
  42.3601,
  -71.0589,
  359.99999999999994,
];

describe('Android: Java %.16f', () => {
  it('matches the emulator for float sensor values (random bits, sensor-like, edges)', () => {
    const values = [...EDGES, ...Array.from({ length: N }, anyFloat), ...Array.from({ length: N }, sensorLike)];
    for (const v of values) expect(javaFloatFixed16(v), String(v)).toBe(phone.javaFloatFixed16(v));
  });

  it('matches the emulator for double GPS values', () => {
    const values = [...EDGES, ...Array.from({ length: N }, anyDouble), ...Array.from({ length: N }, sensorLike)];
    for (const v of values) expect(javaFixed16(v), String(v)).toBe(phone.javaFixed16(v));
  });

  it('prints the phone’s text again from what a float sensor value is stored as', () => {
    const values = [...EDGES, ...Array.from({ length: N }, anyFloat), ...Array.from({ length: N }, sensorLike)];
    for (const v of values) {
      const text = phone.javaFloatFixed16(v);
      expect(javaFloatFixed16(throughDouble(storedFloat(text))), text).toBe(text);
    }
  });

  it('prints the phone’s text again from what a GPS double is stored as, though %.16f may have rounded it', () => {
    const gps = () => [random.between(-90, 90), random.between(-180, 180), random.normal(50, 200)];
    const values = [...EDGES, ...Array.from({ length: N }, anyDouble), ...Array.from({ length: N / 3 }, gps).flat()];
    for (const v of values) {
      const text = phone.javaFixed16(v);
      expect(javaFixed16(throughDouble(storedDouble(text))), text).toBe(text);
    }
  });

  it('keeps negative zero, which MariaDB cannot store', () => {
    expect(storedFloat('-0.0000000000000000')).not.toMatch(/^-?0$/);
    expect(javaFloatFixed16(throughDouble(storedFloat('-0.0000000000000000')))).toBe('-0.0000000000000000');
    expect(javaFloatFixed16(throughDouble(storedFloat('0.0000000000000000')))).toBe('0.0000000000000000');
    // A tiny negative GPS value prints as -0 at 16 places, and comes back so.
    expect(javaFixed16(throughDouble(storedDouble(phone.javaFixed16(-1e-20))))).toBe('-0.0000000000000000');
  });

  it('prints what Java prints for NaN and infinities', () => {
    expect([javaFixed16(NaN), javaFixed16(Infinity), javaFixed16(-Infinity)]).toEqual([
      phone.javaFixed16(NaN),
      phone.javaFixed16(Infinity),
      phone.javaFixed16(-Infinity),
    ]);
  });
});

describe('iOS: Swift String(Double) and String(Float)', () => {
  it('matches the emulator for doubles (random bits, sensor-like, edges)', () => {
    const values = [...EDGES, ...Array.from({ length: N }, anyDouble), ...Array.from({ length: N }, sensorLike)];
    for (const v of values) expect(swiftDouble(v), String(v)).toBe(phone.swiftDouble(v));
  });

  it('matches the emulator for floats (random bits, battery levels, edges)', () => {
    const battery = () => Math.round(random.between(0, 1) * 100) / 100;
    const values = [...EDGES, ...Array.from({ length: N }, anyFloat), ...Array.from({ length: 200 }, battery)];
    for (const v of values) expect(swiftFloat(v), String(v)).toBe(phone.swiftFloat(v));
  });

  it('prints the phone’s text again from what a double is stored as', () => {
    const values = [...EDGES, ...Array.from({ length: N }, anyDouble), ...Array.from({ length: N }, sensorLike)];
    for (const v of values) {
      const text = phone.swiftDouble(v);
      expect(swiftDouble(throughDouble(storedDouble(text))), text).toBe(text);
    }
  });

  it('prints a Float again from a FLOAT column', () => {
    // Past float's range a value prints `inf`, which the app's battery level never is.
    const edges = EDGES.filter((e) => Number.isFinite(Math.fround(e)));
    for (const v of [...edges, ...Array.from({ length: N }, anyFloat)]) {
      const text = phone.swiftFloat(v);
      expect(swiftFloat(Math.fround(Number(text))), text).toBe(text);
    }
  });

  it('lays out the cases Swift treats apart', () => {
    expect([1, 1e-4, 1e-5, -0, 2 ** 53, 2 ** 53 + 2, 0.1 + 0.2].map(swiftDouble)).toEqual([
      '1.0',
      '0.0001',
      '1e-05',
      '-0.0',
      '9007199254740992.0',
      '9.007199254740994e+15',
      '0.30000000000000004',
    ]);
    expect([1, 0.43, 2 ** 24, 2 ** 24 + 2, -1].map(swiftFloat)).toEqual([
      '1.0',
      '0.43',
      '16777216.0',
      '1.6777218e+07',
      '-1.0',
    ]);
    expect(swiftDouble(throughDouble(storedDouble('-0.0')))).toBe('-0.0');
    expect([swiftDouble(NaN), swiftDouble(-Infinity)]).toEqual(['nan', '-inf']);
  });
});
