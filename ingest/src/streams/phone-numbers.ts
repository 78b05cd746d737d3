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
 * (Math.fround gives -0 back) and no sensor reports it. On the way in, an iOS double goes as its
 * shortest digits (`stored`), an Android float as nine digits the server rounds back to it
 * (`floatToLoad`).
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

/**
 * What an Android float f is loaded as where its column is set by `CAST(@v AS FLOAT)` (catalog.ts):
 * nine significant digits, `\N` for -0. Nine digits name a float: MariaDB reads them to the double
 * nearest them, or a few ulps off (its reading of long texts can be), and rounds that to f, because
 * they lie well inside f's rounding interval. That interval reaches at least |f| × 2^-25 on either
 * side (half an ulp; below a power of two, half of the narrower ulp there), and nine digits printed
 * from f are within half a unit of the ninth, |f| × 5e-9. Seventeen digits, what a double needs,
 * cost the server about a fifth more to read (docs/scaling.md).
 */
export function floatToLoad(f: number): string {
  if (f === 0) return Object.is(f, -0) ? '\\N' : '0';
  return f.toPrecision(9);
}

/**
 * `floatToLoad(f)` for the f that `plainFloat` read from text[start, end), cut from that text where
 * it is plain decimal: no number is printed. The cut is as good: it moves the text by less than a
 * unit of its ninth significant digit, under 1e-8 of its value, and `plainFloat` gave f only for a
 * text within |f| × 2^-27 of f (give or take the few double ulps of its reading), so the nine
 * digits stay within |f| × 1.75e-8 of f, inside the |f| × 2^-25 (2.98e-8) above.
 */
export function plainFloatToLoad(text: string, start: number, end: number, f: number): string {
  if (f === 0) return floatToLoad(f);
  let i = start;
  if (text.charCodeAt(i) === 45) i++;
  let significant = 0;
  let point = false;
  let cut = end;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 && !point) point = true;
    else if (c < 48 || c > 57)
      return floatToLoad(f); // an exponent
    else if (significant === 9) {
      if (!point) return floatToLoad(f); // a cut before the point would drop whole digits
    } else if ((significant > 0 || c !== 48) && ++significant === 9) cut = i + 1;
  }
  return text.slice(start, cut);
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
