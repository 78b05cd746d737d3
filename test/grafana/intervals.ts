/**
 * Interval arithmetic and printing as Grafana 13.1 does it (spec grafana.md §4.6 and §4.1): the
 * browser's `$__interval` (rounded, then printed by secondsToHms), the backend's FormatInterval, Go's
 * ParseDuration / gtime.ParseInterval, and Go's `%v` / `%.0f` float printing used by the macros.
 */

const GO_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, μs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Seconds of an interval argument; `Nd`/`Nw` are fixed (UTC has no DST), `NM`/`Ny` are refused as non-deterministic. */
export function parseIntervalSeconds(text: string): number {
  const calendar = /^(\d+)([dwMy])$/.exec(text);
  if (calendar) {
    const n = Number(calendar[1]);
    if (calendar[2] === 'd') return n * 86_400;
    if (calendar[2] === 'w') return n * 7 * 86_400;
    throw new Error(`error parsing interval ${text}: months and years depend on today's date`);
  }
  if (text === '0') return 0;
  const whole = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
  if (!whole.test(text)) throw new Error(`error parsing interval ${text}`);
  let seconds = 0;
  for (const [, value, unit] of text.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    seconds += Number(value) * GO_UNITS[unit!]!;
  }
  return text.startsWith('-') ? -seconds : seconds;
}

/** Go `%.0f`: rounds half to even. */
export function goFixed0(value: number): string {
  const floor = Math.floor(value);
  const diff = value - floor;
  const rounded = diff > 0.5 || (diff === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return String(rounded === 0 ? 0 : rounded);
}

/** Go `%v` of a float64: shortest digits, exponent form (two-digit exponent) when the exponent is < -4 or >= 6. */
export function goFloatV(value: number): string {
  if (value === 0) return '0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/** Backend FormatInterval (the global `$__interval` pass): largest whole unit, truncated, at least 1ms. */
export function formatIntervalBackend(ms: number): string {
  const units: [number, string][] = [
    [365 * 86_400_000, 'y'],
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1_000, 's'],
    [1, 'ms'],
  ];
  for (const [size, unit] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return '1ms';
}

/** Frontend rangeutil.secondsToHms: the text the browser substitutes for `$__interval`. */
export function secondsToHms(seconds: number): string {
  const years = Math.floor(seconds / 31_536_000);
  if (years) return `${years}y`;
  const days = Math.floor((seconds % 31_536_000) / 86_400);
  if (days) return `${days}d`;
  const hours = Math.floor((seconds % 86_400) / 3_600);
  if (hours) return `${hours}h`;
  const minutes = Math.floor((seconds % 3_600) / 60);
  if (minutes) return `${minutes}m`;
  const secs = Math.floor(seconds % 60);
  if (secs) return `${secs}s`;
  const ms = Math.floor(seconds * 1000);
  if (ms) return `${ms}ms`;
  return 'less than a millisecond';
}

/** Frontend rangeutil.roundInterval: snaps a raw interval (ms) to a "nice" one. */
export function roundInterval(ms: number): number {
  const steps: [number, number][] = [
    [10, 1],
    [15, 10],
    [35, 20],
    [75, 50],
    [150, 100],
    [350, 200],
    [750, 500],
    [1_500, 1_000],
    [3_500, 2_000],
    [7_500, 5_000],
    [12_500, 10_000],
    [17_500, 15_000],
    [25_000, 20_000],
    [45_000, 30_000],
    [90_000, 60_000],
    [210_000, 120_000],
    [450_000, 300_000],
    [750_000, 600_000],
    [1_050_000, 900_000],
    [1_500_000, 1_200_000],
    [2_700_000, 1_800_000],
    [5_400_000, 3_600_000],
    [9_000_000, 7_200_000],
    [16_200_000, 10_800_000],
    [32_400_000, 21_600_000],
    [86_400_000, 43_200_000],
    [604_800_000, 86_400_000],
    [1_814_400_000, 604_800_000],
    [3_628_800_000, 2_592_000_000],
  ];
  for (const [below, value] of steps) if (ms < below) return value;
  return 31_536_000_000;
}

/**
 * The `$__interval` a panel gets: range / max data points, rounded, never below the panel's
 * `interval` or else the datasource's `timeInterval` (rangeutil.calculateInterval).
 */
export function panelInterval(rangeMs: number, maxDataPoints: number, lowLimit: string | undefined) {
  const lowLimitMs = lowLimit ? parseIntervalSeconds(lowLimit) * 1000 : 1;
  const intervalMs = Math.max(roundInterval(rangeMs / maxDataPoints), lowLimitMs);
  return { intervalMs, interval: secondsToHms(intervalMs / 1000) };
}
