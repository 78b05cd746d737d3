/**
 * Walking and steps from the phone's accelerometer, after Forest's oak (`forest/oak/base.py`,
 * Straczkiewicz et al., "A 'one-size-fits-most' walking recognition method for smartphones",
 * npj Digital Medicine 2021), with its default parameters. Per second of signal it gives the step
 * frequency (Hz) of a second found to be walking, which is also that second's steps. Differences
 * from oak (docs/features.md): the signal is cut at gaps and analysed per run of strong seconds
 * rather than spliced across a whole day, units come from the OS rather than a guess from the mean,
 * the wavelet transform is evaluated at oak's 80 output frequencies directly, and a second's peak
 * must pass both of oak's dominance ratios (its code asks for either).
 */

const FS = 10;
const G = 9.80665;
/** oak `min_amp`: a second's peak-to-peak vector magnitude must reach this (g). */
const MIN_AMP_G = 0.3;
/** oak's output frequency grid: 0.5 … 4.45 Hz by 0.05. */
const FREQS = Array.from({ length: 80 }, (_, i) => 0.5 + i * 0.05);
/** oak `step_freq` (1.4, 2.3) Hz as indices of FREQS. */
const STEP_LO = 18;
const STEP_HI = 36;
/** oak `alpha` and `beta`: ratios of the dominant peak below / above the step range to the one in it. */
const ALPHA = 0.6;
const BETA = 2.5;
/** oak `min_t` (s) and `delta` (FREQS steps, 1 Hz): walking is a peak sustained this long, drifting at most this much. */
const MIN_T = 3;
const DELTA = 20;
/** Generalised Morse wavelet oak uses (`gmw`, β 90, γ 3). */
const MORSE_BETA = 90;
const MORSE_GAMMA = 3;
/** Samples further apart than this do not belong to one run (the duty cycle's off periods). */
const MAX_SAMPLE_GAP_MS = 1_000;
const PAD = 5 * FS;

/** One second found to be walking: its start (Unix ms) and step frequency (Hz = steps in it). */
export type WalkingSecond = { t: number; cadence: number };

/**
 * The walking seconds in a set of accelerometer samples (times in Unix ms, ascending; magnitudes
 * with gravity, in m/s² whatever the phone wrote).
 */
export function walkingSeconds(times: ArrayLike<number>, magnitudesMs2: ArrayLike<number>): WalkingSecond[] {
  const out: WalkingSecond[] = [];
  let start = 0;
  for (let i = 1; i <= times.length; i++) {
    if (i < times.length && times[i]! - times[i - 1]! <= MAX_SAMPLE_GAP_MS) continue;
    out.push(...walkingInRun(times, magnitudesMs2, start, i));
    start = i;
  }
  return out;
}

/** oak's preprocess_bout + find_walking over one gap-free run of samples [from, to). */
function walkingInRun(times: ArrayLike<number>, mags: ArrayLike<number>, from: number, to: number): WalkingSecond[] {
  if (to - from < 2) return [];
  const t0 = times[from]!;
  const span = times[to - 1]! - t0;
  // Resampled to 10 Hz by linear interpolation; a last part-second of at least 0.7 s is padded with
  // its last value, a shorter one dropped (oak's adjust_bout).
  let n = Math.floor(span / (1000 / FS)) + 1;
  const rest = n % FS;
  const whole = rest >= 0.7 * FS ? n + (FS - rest) : n - rest;
  if (whole < FS) return [];
  const vm = new Float64Array(whole);
  let j = from;
  for (let k = 0; k < Math.min(n, whole); k++) {
    const t = t0 + (k * 1000) / FS;
    while (j < to - 2 && times[j + 1]! <= t) j++;
    const ta = times[j]!;
    const tb = times[j + 1]!;
    const a = mags[j]!;
    const b = mags[j + 1]!;
    const v = tb === ta ? b : a + ((b - a) * (t - ta)) / (tb - ta);
    vm[k] = v / G - 1;
  }
  for (let k = n; k < whole; k++) vm[k] = vm[n - 1]!;
  n = whole;
  const seconds = n / FS;
  const valid: boolean[] = [];
  for (let s = 0; s < seconds; s++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = s * FS; k < (s + 1) * FS; k++) {
      lo = Math.min(lo, vm[k]!);
      hi = Math.max(hi, vm[k]!);
    }
    valid.push(hi - lo >= MIN_AMP_G);
  }
  // Each stretch of strong seconds long enough to hold a bout gets its own transform.
  const peak: (number | undefined)[] = new Array<number | undefined>(seconds).fill(undefined);
  for (let s = 0; s < seconds;) {
    if (!valid[s]) {
      s++;
      continue;
    }
    let e = s;
    while (e < seconds && valid[e]) e++;
    if (e - s >= MIN_T) {
      const found = dominantPeaks(vm.subarray(s * FS, e * FS));
      for (let i = 0; i < found.length; i++) peak[s + i] = found[i];
    }
    s = e;
  }
  const out: WalkingSecond[] = [];
  const walking = continuousPeaks(peak);
  for (let s = 0; s < seconds; s++) if (walking[s]) out.push({ t: t0 + s * 1000, cadence: FREQS[peak[s]!]! });
  return out;
}

/**
 * oak's compute_interpolate_cwt + identify_peaks_in_cwt: per second, the index in FREQS of the
 * dominant peak of wavelet power within the step range, if it dominates those outside as oak asks.
 */
function dominantPeaks(segment: Float64Array): (number | undefined)[] {
  const len = segment.length;
  const tapered = tukey(segment, 0.02);
  let size = 1;
  while (size < len + 2 * PAD) size *= 2;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  re.set(tapered, PAD);
  fft(re, im, false);
  const seconds = len / FS;
  const power = FREQS.map(() => new Float64Array(seconds));
  const wr = new Float64Array(size);
  const wi = new Float64Array(size);
  const peakW = Math.pow(MORSE_BETA / MORSE_GAMMA, 1 / MORSE_GAMMA);
  // log of the normalisation that makes the wavelet's peak 2 (ssqueezepy's L1 norm).
  const logNorm = Math.log(2) + (MORSE_BETA / MORSE_GAMMA) * (1 + Math.log(MORSE_GAMMA) - Math.log(MORSE_BETA));
  for (const [fi, f] of FREQS.entries()) {
    const scale = peakW / ((2 * Math.PI * f) / FS);
    wr.fill(0);
    wi.fill(0);
    // Analytic: positive frequencies only.
    for (let k = 1; k < size / 2; k++) {
      const w = (scale * 2 * Math.PI * k) / size;
      const psi = Math.exp(logNorm + MORSE_BETA * Math.log(w) - Math.pow(w, MORSE_GAMMA));
      wr[k] = re[k]! * psi;
      wi[k] = im[k]! * psi;
    }
    fft(wr, wi, true);
    const row = power[fi]!;
    for (let k = 0; k < len; k++) {
      const a = wr[PAD + k]!;
      const b = wi[PAD + k]!;
      row[Math.floor(k / FS)]! += a * a + b * b;
    }
  }
  const out: (number | undefined)[] = [];
  for (let s = 0; s < seconds; s++) {
    const spectrum = power.map((row) => row[s]!);
    let inRange: number | undefined;
    let below = 0;
    let above = 0;
    for (let i = 1; i < spectrum.length - 1; i++) {
      const v = spectrum[i]!;
      if (!(v > spectrum[i - 1]! && v >= spectrum[i + 1]!)) continue;
      if (i < STEP_LO) below = Math.max(below, v);
      else if (i > STEP_HI) above = Math.max(above, v);
      else if (inRange === undefined || v > spectrum[inRange]!) inRange = i;
    }
    // Both ratios within their bounds, as oak documents them ("maximum ratio"). Its code asks for
    // either, which lets any small peak in the range through whenever nothing lies below it.
    const ok = inRange !== undefined && above / spectrum[inRange]! < BETA && below / spectrum[inRange]! < ALPHA;
    out.push(ok ? inRange : undefined);
  }
  return out;
}

/**
 * oak's find_continuous_dominant_peaks for one peak per second: a second walks when it lies in
 * `MIN_T` consecutive seconds whose peaks each stay within `DELTA` of the previous one.
 */
function continuousPeaks(peak: readonly (number | undefined)[]): boolean[] {
  const out = peak.map(() => false);
  for (let s = 0; s + MIN_T <= peak.length; s++) {
    let ok = peak[s] !== undefined;
    for (let i = s + 1; ok && i < s + MIN_T; i++)
      ok = peak[i] !== undefined && Math.abs(peak[i]! - peak[i - 1]!) <= DELTA;
    if (ok) for (let i = s; i < s + MIN_T; i++) out[i] = true;
  }
  return out;
}

/** The signal times a Tukey window (symmetric), as oak tapers a bout before its transform. */
function tukey(x: Float64Array, alpha: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  const width = (alpha * (n - 1)) / 2;
  for (let i = 0; i < n; i++) {
    const edge = Math.min(i, n - 1 - i);
    const w = edge < width ? 0.5 * (1 + Math.cos(Math.PI * (edge / width - 1))) : 1;
    out[i] = x[i]! * w;
  }
  return out;
}

/** In-place radix-2 FFT (inverse scaled by 1/n); the length is a power of two. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * cr - im[b]! * ci;
        const xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] = re[i]! / n;
      im[i] = im[i]! / n;
    }
  }
}
