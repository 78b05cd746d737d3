import { describe, expect, it } from 'vitest';
import { javaFixed16, javaFloatFixed16, swiftDouble, swiftFloat } from './number-format.ts';

// Expected strings are worked out by hand from the rules in specs/beiwe-protocol.md §4.5 (and, for
// Swift's layout thresholds, from SwiftDtoa's swift_format_double/float), not produced by the code.

describe('javaFixed16 (Android %.16f)', () => {
  it('reproduces the spec vector for 9.80665f, where toFixed(16) differs in the last digit', () => {
    expect(javaFloatFixed16(9.80665)).toBe('9.8066501617431640');
    expect(Math.fround(9.80665).toFixed(16)).toBe('9.8066501617431641');
  });

  it('pads short values with zeros', () => {
    expect(javaFixed16(0)).toBe('0.0000000000000000');
    expect(javaFixed16(-1.5)).toBe('-1.5000000000000000');
    expect(javaFixed16(123456789.125)).toBe('123456789.1250000000000000');
    // toFixed would print the binary expansion's digits here.
    expect(javaFixed16(42.3736158)).toBe('42.3736158000000000');
    expect(javaFixed16(-71.0589)).toBe('-71.0589000000000000');
  });

  it('keeps the sign of negative zero, as Double.compare(-0.0, 0.0) == -1 does', () => {
    expect(javaFixed16(-0)).toBe('-0.0000000000000000');
  });

  it('rounds the shortest digits half-up, carrying through nines', () => {
    // the decimal 0.99999999999999999 parses to the double 1.0
    expect(javaFixed16(Number('0.99999999999999999'))).toBe('1.0000000000000000');
    // shortest digits 0.09999999999999999: 17 places, the 17th is a 9 → carries to 0.1
    expect(javaFixed16(0.09999999999999999)).toBe('0.1000000000000000');
    // the largest double below 1 has 16 shortest digits; nothing to round
    expect(javaFixed16(0.9999999999999999)).toBe('0.9999999999999999');
    // a 5 in the 17th place rounds up (half-even would keep ...456)
    expect(javaFixed16(0.12345678901234565)).toBe('0.1234567890123457');
    expect(javaFixed16(5e-17)).toBe('0.0000000000000001');
    expect(javaFixed16(1e-20)).toBe('0.0000000000000000');
  });

  it('widens float sensor values before formatting', () => {
    // float 0.1 = 0.10000000149011612 as a double; 17 places, the last (2) rounds away
    expect(javaFloatFixed16(0.1)).toBe('0.1000000014901161');
    // float -0.3 = -0.30000001192092896; the trailing 6 carries into ...9290
    expect(javaFloatFixed16(-0.3)).toBe('-0.3000000119209290');
  });
});

describe('swiftDouble (iOS String(Double))', () => {
  it('prints shortest digits in decimal form, with .0 on integral values', () => {
    expect(swiftDouble(9.80665)).toBe('9.80665');
    expect(swiftDouble(1)).toBe('1.0');
    expect(swiftDouble(100)).toBe('100.0');
    expect(swiftDouble(0)).toBe('0.0');
    expect(swiftDouble(-0)).toBe('-0.0');
    expect(swiftDouble(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(swiftDouble(-71.0589)).toBe('-71.0589');
  });

  it('switches to exponent notation below 1e-4, where JS does not', () => {
    expect(swiftDouble(0.0001)).toBe('0.0001');
    expect(swiftDouble(-0.00012345)).toBe('-0.00012345');
    expect(swiftDouble(1e-5)).toBe('1e-05');
    expect(String(1e-5)).toBe('0.00001');
    expect(swiftDouble(1e-7)).toBe('1e-07');
    expect(String(1e-7)).toBe('1e-7');
    expect(swiftDouble(1.5e-10)).toBe('1.5e-10');
    expect(swiftDouble(5e-324)).toBe('5e-324');
  });

  it('switches to exponent notation above 2^53', () => {
    expect(swiftDouble(2 ** 53)).toBe('9007199254740992.0');
    expect(swiftDouble(2 ** 53 + 2)).toBe('9.007199254740994e+15');
    expect(swiftDouble(1e16)).toBe('1e+16');
    expect(swiftDouble(1.7976931348623157e308)).toBe('1.7976931348623157e+308');
  });
});

describe('swiftFloat (iOS String(Float), e.g. battery level)', () => {
  it("prints float32's own shortest digits, not the widened double's", () => {
    expect(swiftFloat(0.85)).toBe('0.85');
    expect(String(Math.fround(0.85))).toBe('0.8500000238418579');
    expect(swiftFloat(0.1)).toBe('0.1');
    expect(swiftFloat(1 / 3)).toBe('0.33333334');
    expect(swiftFloat(-1)).toBe('-1.0');
  });

  it('uses 2^24 as the integer cutoff and the same small-value cutoff', () => {
    expect(swiftFloat(16777216)).toBe('16777216.0');
    expect(swiftFloat(16777218)).toBe('1.6777218e+07');
    expect(swiftFloat(1e-5)).toBe('1e-05');
    expect(swiftFloat(3.4028234663852886e38)).toBe('3.4028235e+38');
  });
});
