/**
 * How the apps turn sensor numbers into CSV text (specs/beiwe-protocol.md §4.5).
 *
 * Android: `String.format(Locale.US, "%.16f", v)`. Java's Formatter does not round the exact binary
 * value (JS `toFixed` does): it takes the shortest round-trip digits of the double (Double.toString's
 * digits), rounds those half-up to 16 places and pads with zeros.
 *
 * iOS: Swift `String(Double)` / `String(Float)`, the shortest round-trip digits laid out by the Swift
 * runtime's SwiftDtoa `swift_format_double` / `swift_format_float` (read from the runtime source):
 * exponent notation when the decimal exponent is below -3 (so 0.0001 prints in full and 0.00001 as
 * `1e-05`) or the magnitude exceeds 2^53 (Double) / 2^24 (Float); otherwise decimal, with `.0` on
 * integers. Which Swift runtime version the store build uses was not checked against a device file.
 */

const JAVA_PLACES = 16;
const JAVA_PAD = 10n ** BigInt(JAVA_PLACES);

/** Java `%.16f` of a double. */
export function javaFixed16(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  // Java's Formatter tests Double.compare(value, 0.0) == -1, so -0.0 keeps its sign.
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const { digits, exponent } = shortestDigits(Math.abs(value));
  const fractionDigits = digits.length - 1 - exponent;
  const n = BigInt(digits);
  let scaled: bigint;
  if (fractionDigits <= JAVA_PLACES) {
    scaled = n * 10n ** BigInt(JAVA_PLACES - fractionDigits);
  } else {
    const drop = 10n ** BigInt(fractionDigits - JAVA_PLACES);
    scaled = n / drop;
    if ((n % drop) * 2n >= drop) scaled += 1n; // HALF_UP on the decimal digits
  }
  const whole = scaled / JAVA_PAD;
  const fraction = (scaled % JAVA_PAD).toString().padStart(JAVA_PLACES, '0');
  return `${sign}${whole}.${fraction}`;
}

/** Java `%.16f` of a `float` sensor value widened to double (Android SensorEvent values are float). */
export function javaFloatFixed16(value: number): string {
  return javaFixed16(Math.fround(value));
}

/** Swift `String(Double)`. */
export function swiftDouble(value: number): string {
  return swiftLayout(value, () => shortestDigits(Math.abs(value)), 2 ** 53);
}

/** Swift `String(Float)`: the value is first rounded to float32, and its digits are float32's shortest. */
export function swiftFloat(value: number): string {
  const f = Math.fround(value);
  return swiftLayout(f, () => shortestFloat32Digits(Math.abs(f)), 2 ** 24);
}

type Decomposed = { digits: string; exponent: number }; // value = d.ddd × 10^exponent

/** JS's own shortest round-trip digits (ECMA-262 Number::toString picks the closest shortest). */
function shortestDigits(abs: number): Decomposed {
  return decompose(abs.toExponential());
}

function decompose(exponential: string): Decomposed {
  const e = exponential.indexOf('e');
  const digits = exponential.slice(0, e).replace('.', '').replace(/0+$/, '') || '0';
  return { digits, exponent: Number(exponential.slice(e + 1)) };
}

/** Shortest decimal that rounds back to the same float32; among equally short ones, the closest. */
function shortestFloat32Digits(abs: number): Decomposed {
  if (abs === 0) return { digits: '0', exponent: 0 };
  for (let precision = 1; precision <= 9; precision++) {
    const nearest = decompose(abs.toExponential(precision - 1));
    const mantissa = Number(nearest.digits.padEnd(precision, '0'));
    let best: { text: string; distance: number } | undefined;
    // At a power of two the float's rounding interval is lopsided, so the nearest p-digit decimal
    // may miss it while its neighbour on the wider side hits it.
    for (const m of [mantissa, mantissa - 1, mantissa + 1]) {
      if (m <= 0) continue;
      const text = `${m}e${nearest.exponent - (precision - 1)}`;
      const candidate = Number(text);
      if (Math.fround(candidate) !== abs) continue;
      const distance = Math.abs(candidate - abs);
      if (!best || distance < best.distance) best = { text, distance };
    }
    if (best) return decompose(Number(best.text).toExponential());
  }
  return shortestDigits(abs);
}

function swiftLayout(value: number, digitsOf: () => Decomposed, integerLimit: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  if (value === 0) return `${sign}0.0`;
  const { digits, exponent } = digitsOf();
  // SwiftDtoa's decimalExponent counts from "0.ddd", one more than the scientific exponent.
  const decimalExponent = exponent + 1;
  if (decimalExponent < -3 || Math.abs(value) > integerLimit) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (decimalExponent <= 0) return `${sign}0.${'0'.repeat(-decimalExponent)}${digits}`;
  if (decimalExponent < digits.length) {
    return `${sign}${digits.slice(0, decimalExponent)}.${digits.slice(decimalExponent)}`;
  }
  return `${sign}${digits}${'0'.repeat(decimalExponent - digits.length)}.0`;
}
