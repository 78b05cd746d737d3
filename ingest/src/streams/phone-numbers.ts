/**
 * Sensor numbers as the phones print them, and as Vigil stores them so that the text can be
 * printed again byte for byte (spec §4.5; the apps' AccelerometerListener, GyroscopeListener,
 * GPSListener and the iOS managers).
 *
 * - Android prints a `float` sensor value widened to double (and GPS's double coordinates) with
 *   `String.format("%.16f")`: Java's Formatter takes `Double.toString`'s shortest round-trip digits,
 *   rounds them half-up to 16 places and pads with zeros.
 * - iOS prints Swift `String(Double)` (motion, GPS) or `String(Float)` (battery level): the shortest
 *   round-trip digits, in exponent form below 1e-4 or above 2^53 (Float: 2^24), else decimal with
 *   `.0` on whole numbers.
 *
 * Storage: a DOUBLE holds an Android float exactly and an iOS double exactly. MariaDB cannot keep
 * a negative zero, so -0 is stored as the negative double nearest zero: no float is that value
 * (Math.fround gives -0 back) and no sensor reports it.
 */

/** What a stored -0 is kept as. */
const NEGATIVE_ZERO = -Number.MIN_VALUE;

/** The text to load into a DOUBLE column for an Android float (NaN when the cell is not a finite number). */
export function storedFloat(cell: string): string {
  return stored(Math.fround(Number(cell)));
}

/** The text to load into a DOUBLE column for a double the phone printed. */
export function storedDouble(cell: string): string {
  return stored(Number(cell));
}

/** The text to load into a DOUBLE column for a value already read (`storedDouble` without the parse). */
export function stored(v: number): string {
  if (Object.is(v, -0)) return String(NEGATIVE_ZERO);
  // JS prints the shortest round-trip form (at most 17 digits), which MariaDB converts exactly.
  return String(v);
}

/**
 * Reading the numbers of the 10 Hz streams without a string per cell (`Number(cell)` needs one).
 * Only the plain form the phones print, `-?digits[.digits][(e|E)[+|-]digits]`, is read here, and
 * only where the result is provably what `Number` gives; anything else gives NaN, and the caller
 * reads the cell the general way.
 */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`)); // each exact
/** From here on an integer may have been rounded on the way. */
const EXACT_INTEGERS = 2 ** 53;
/** Digits kept in the float reading: each beyond 2^53 rounds once more, ~20 ulps in all at most. */
const MAX_DIGITS = 20;

/**
 * The decimal in text[start, end) as `exact` asks: the double `Number` gives (Clinger's fast path:
 * an integer below 2^53 times or over a power of ten up to 10^22, each exact, rounds once), or,
 * when not exact, within a few ulps of it. NaN when the text is not plain or out of that reach.
 */
function scanDecimal(text: string, start: number, end: number, exact: boolean): number {
  let i = start;
  const negative = i < end && text.charCodeAt(i) === 45; // -
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  const intStart = i;
  let c = 0;
  for (; i < end && (c = text.charCodeAt(i)) >= 48 && c <= 57; i++) {
    if (digits > 0 || c !== 48) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
    }
  }
  if (i === intStart) return NaN;
  if (i < end && c === 46) {
    // .
    const fracStart = ++i;
    for (; i < end && (c = text.charCodeAt(i)) >= 48 && c <= 57; i++) {
      if (digits > 0 || c !== 48) {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
      }
      scale--;
    }
    if (i === fracStart) return NaN;
  }
  if (i < end && (c === 101 || c === 69)) {
    // e E
    i++;
    const expNegative = i < end && text.charCodeAt(i) === 45;
    if (i < end && (expNegative || text.charCodeAt(i) === 43)) i++;
    const expStart = i;
    let exponent = 0;
    for (; i < end && (c = text.charCodeAt(i)) >= 48 && c <= 57 && exponent < 1000; i++)
      exponent = exponent * 10 + (c - 48);
    if (i === expStart) return NaN;
    scale += expNegative ? -exponent : exponent;
  }
  if (i !== end || digits > MAX_DIGITS || (exact && mantissa >= EXACT_INTEGERS)) return NaN;
  if (mantissa === 0) return negative ? -0 : 0;
  if (scale < -22 || scale > 22) return NaN;
  const abs = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
  return negative ? -abs : abs;
}

/** `Number(text.slice(start, end))` for a plain decimal within Clinger's fast path; else NaN. */
export function plainDouble(text: string, start: number, end: number): number {
  return scanDecimal(text, start, end, true);
}

/**
 * `Math.fround(Number(text.slice(start, end)))` for a plain decimal; else NaN. The reading may be
 * a few double ulps off, which changes nothing unless it lies near a float rounding boundary (half
 * a float ulp from a float; a quarter below a power of two): within an eighth of a float ulp of
 * the float it rounds to, the exact value rounds there too; farther out, NaN.
 */
export function plainFloat(text: string, start: number, end: number): number {
  const d = scanDecimal(text, start, end, false);
  const f = Math.fround(d);
  return Number.isFinite(f) && Math.abs(d - f) <= Math.abs(f) * 2 ** -27 ? f : NaN;
}

const FLOAT = new Float32Array(1);
const FLOAT_BITS = new Int32Array(FLOAT.buffer); // same bytes, same order: the float's bits on any machine
const POW2 = Array.from({ length: 31 }, (_, i) => 2 ** i);
const POW5 = Array.from({ length: 17 }, (_, i) => 5 ** i); // each exact
const POW5_HI = POW5.map((p) => Math.floor(p / 1e8));
const POW5_LO = POW5.map((p, i) => p - POW5_HI[i]! * 1e8);

/**
 * `stored(f)` for an Android float f, as a slice of its `%.16f` text text[start, end) when that
 * text holds f's shortest round-trip digits (Java's digits rounded to 16 places: whole from a half
 * up, seldom below) — checked, not trusted; else undefined, and the caller prints f.
 *
 * With C the text's value (c × 10^-K, c its significant digits), printing gives C exactly when
 * C rounds to f as a double (strictly inside f ± half an ulp), C is the closest decimal of its
 * length (within half a unit of its last place), and neither neighbour one digit shorter rounds
 * to f. All three are compared exactly, in integers below 2^53: with f = m × 2^e (m < 2^24) and
 * s = max(0, -(K + e)), D = (C - f) × 10^K × 2^s = c × 2^s - m × 5^K × 2^(K+e+s), half an ulp is
 * 5^K / 2^(30-(K+e+s)) and half a unit of C's last place 2^(s-1).
 */
export function javaTextAsStored(text: string, start: number, end: number, f: number): string | undefined {
  // Below a half, 16 places seldom hold all the digits (measured on emulated days: under 1 in 4), and
  // the check would mostly cost time. Also leaves out zero, NaN and JS's exponent forms.
  if (!(Math.abs(f) >= 0.5)) return undefined;
  FLOAT[0] = f;
  const bits = FLOAT_BITS[0]!;
  const exponentBits = (bits >>> 23) & 0xff;
  const m = (bits & 0x7fffff) | 0x800000;
  // Infinities; and a power of two, whose interval is narrower below.
  if (exponentBits === 0xff || m === 0x800000) return undefined;
  const e = exponentBits - 150;
  let i = start;
  if (end - start < 3 || (text.charCodeAt(i) === 45) !== f < 0) return undefined;
  if (f < 0) i++;
  const intStart = i;
  let c = 0;
  while (i < end && (c = text.charCodeAt(i)) >= 48 && c <= 57) i++;
  const intEnd = i;
  const zeroInt = intEnd - intStart === 1 && text.charCodeAt(intStart) === 48;
  // JS prints no leading zero but the one of 0.x.
  if (i === end || c !== 46 || intEnd === intStart || (text.charCodeAt(intStart) === 48 && !zeroInt)) return undefined;
  const fracStart = ++i;
  let last = -1;
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    if (c !== 48) last = i;
  }
  if (last < 0) return undefined; // a whole number, which prints without its point
  const K = last - fracStart + 1;
  let first = zeroInt ? fracStart : intStart;
  while (text.charCodeAt(first) === 48) first++;
  const k = zeroInt ? last - first + 1 : intEnd - intStart + K;
  const shift = K + e;
  const s = shift < 0 ? -shift : 0;
  if (k > 17 || K > 16 || shift > 2 || s > 19) return undefined;
  let hi = 0;
  let lo = 0;
  for (let p = first, n = k - 1; p <= last; p++) {
    c = text.charCodeAt(p);
    if (c === 46) continue;
    if (n-- >= 8) hi = hi * 10 + (c - 48);
    else lo = lo * 10 + (c - 48);
  }
  const two = POW2[s]!;
  const a = m * POW2[shift + s]!; // below 2^26
  const x = hi * two - a * POW5_HI[K]!;
  const y = lo * two - a * POW5_LO[K]!;
  // Both parts below 2^53, and their sum exact where it matters (near zero; far off, it fails anyway).
  if (Math.abs(x) > 9e7) return undefined;
  const d = x * 1e8 + y;
  const j = POW2[30 - (shift + s)]!;
  const half = POW5[K]!;
  const r = text.charCodeAt(last) - 48;
  const inside = Math.abs(d) * 2 < two && Math.abs(d) * j < half;
  return inside && Math.abs(d - r * two) * j > half && Math.abs(d + (10 - r) * two) * j > half
    ? text.slice(start, last + 1)
    : undefined;
}

/** A DOUBLE column's value as the number the phone had. */
export function fromStored(v: unknown): number {
  const n = Number(v);
  return n === NEGATIVE_ZERO ? -0 : n;
}

type Digits = { digits: string; point: number }; // value = 0.<digits> × 10^point, digits without trailing zeros

function parts(exponential: string): Digits {
  const e = exponential.indexOf('e');
  const digits = exponential.slice(0, e).replace('.', '').replace(/0+$/, '');
  return digits === '' ? { digits: '0', point: 1 } : { digits, point: Number(exponential.slice(e + 1)) + 1 };
}

/** The shortest digits that read back as the same double (ECMAScript picks the closest of them). */
const doubleDigits = (abs: number): Digits => parts(abs.toExponential());

/** The shortest digits that read back as the same float32, the closest of them when several are as short. */
function floatDigits(abs: number): Digits {
  if (abs === 0) return { digits: '0', point: 1 };
  for (let precision = 1; precision < 9; precision++) {
    const nearest = parts(abs.toExponential(precision - 1));
    const unit = nearest.point - precision; // the last digit's place
    const scaled = Number(nearest.digits.padEnd(precision, '0'));
    let best: number | undefined;
    // A float's rounding interval is twice as wide above a power of two as below, so the nearest
    // decimal of this length can fall outside it while the next one up falls inside.
    for (const m of [scaled, scaled + 1, scaled - 1]) {
      const candidate = Number(`${m}e${unit}`);
      if (m > 0 && Math.fround(candidate) === abs) {
        if (best === undefined || Math.abs(candidate - abs) < Math.abs(best - abs)) best = candidate;
      }
    }
    if (best !== undefined) return doubleDigits(best);
  }
  return parts(abs.toExponential(8));
}

const PLACES = 16;

/** Java `String.format(Locale.US, "%.16f", v)`. */
export function javaFixed16(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  // Java decides the sign by Double.compare(v, 0.0), so -0.0 prints "-0.000…".
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  if (!Number.isFinite(v)) return `${sign}Infinity`;
  const { digits, point } = doubleDigits(Math.abs(v));
  const whole = point > 0 ? digits.slice(0, point).padEnd(point, '0') : '0';
  const fraction = point > 0 ? digits.slice(point) : '0'.repeat(-point) + digits;
  if (fraction.length <= PLACES) return `${sign}${whole}.${fraction.padEnd(PLACES, '0')}`;
  const kept = `${whole}${fraction.slice(0, PLACES)}`;
  const rounded = fraction.charCodeAt(PLACES) >= 53 ? increment(kept) : kept; // HALF_UP: the next digit ≥ 5
  return `${sign}${rounded.slice(0, -PLACES) || '0'}.${rounded.slice(-PLACES)}`;
}

/** A string of decimal digits plus one (it may grow a digit: 999 → 1000). */
function increment(digits: string): string {
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === '9') i--;
  if (i < 0) return `1${'0'.repeat(digits.length)}`;
  return `${digits.slice(0, i)}${String.fromCharCode(digits.charCodeAt(i) + 1)}${'0'.repeat(digits.length - 1 - i)}`;
}

/** Java `%.16f` of an Android `float` sensor value (stored widened to double). */
export const javaFloatFixed16 = (v: number): string => javaFixed16(Math.fround(v));

/** Swift `String(Double)`. */
export const swiftDouble = (v: number): string => swift(v, doubleDigits, 2 ** 53);

/** Swift `String(Float)`. */
export function swiftFloat(v: number): string {
  const f = Math.fround(v);
  return swift(f, floatDigits, 2 ** 24);
}

function swift(v: number, digitsOf: (abs: number) => Digits, exactIntegers: number): string {
  if (Number.isNaN(v)) return 'nan';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  if (!Number.isFinite(v)) return `${sign}inf`;
  if (v === 0) return `${sign}0.0`;
  const abs = Math.abs(v);
  const { digits, point } = digitsOf(abs);
  if (point < -3 || abs > exactIntegers) {
    const exponent = point - 1;
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point < digits.length) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}${digits.padEnd(point, '0')}.0`;
}
