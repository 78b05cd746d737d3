import { distanceM, type Point } from './geo.ts';
import { addDays, dayWindow, localHour, type DayWindow } from './local-time.ts';

/**
 * Mobility features of a day from GPS fixes, after Forest's jasmine (see docs/features.md). Jasmine
 * imputes the hours the GPS was off from the participant's other days; we do not. Instead two
 * consecutive fixes at most `MAX_GAP_MS` apart are joined by a straight segment (the study's duty
 * cycle, 1 min on and 10 off by default, leaves ~11 min between fixes), and a longer gap is unobserved.
 * A segment whose ends are within `PAUSE_RADIUS_M` of each other is a pause, any other a flight.
 */
export const MAX_GAP_MS = 20 * 60_000;
export const PAUSE_RADIUS_M = 50;
/** Jasmine: time at home is time within 50 m of home. */
export const HOME_RADIUS_M = 50;
/** Jasmine's locate_home clusters night pauses within 20 m. */
export const HOME_CLUSTER_M = 20;
/** Jasmine: significant places are pauses of at least 15 min, clustered 50 m apart. */
export const PLACE_RADIUS_M = 50;
export const PLACE_MIN_MS = 15 * 60_000;
/** Days of night pauses home is learned from (the day itself and the ones before). */
export const HOME_WINDOW_DAYS = 14;
/** Night pause time needed to learn a home. */
export const HOME_MIN_MS = 60 * 60_000;
/** A day's mobility counts from 12 observed hours (coverage 0.5) on. */
export const MIN_GPS_COVERAGE = 0.5;

export type Fix = Point & { t: number };

type Segment = { a: Fix; b: Fix; pause: boolean; lengthM: number };

const HOUR_MS = 3_600_000;

/** Segments between consecutive fixes (sorted by time) that are close enough in time to join. */
export function segmentsOf(fixes: readonly Fix[]): Segment[] {
  const segments: Segment[] = [];
  for (let i = 1; i < fixes.length; i++) {
    const a = fixes[i - 1]!;
    const b = fixes[i]!;
    if (b.t - a.t > MAX_GAP_MS || b.t <= a.t) continue;
    const lengthM = distanceM(a, b);
    segments.push({ a, b, pause: lengthM < PAUSE_RADIUS_M, lengthM });
  }
  return segments;
}

const overlap = (s: Segment, from: number, to: number) => Math.max(0, Math.min(s.b.t, to) - Math.max(s.a.t, from));
const midpoint = (s: Segment): Point => ({ lat: (s.a.lat + s.b.lat) / 2, lon: (s.a.lon + s.b.lon) / 2 });

type Place = Point & { ms: number };

/** Greedy clustering in time order: a point joins the nearest place within `radius` (its centre moves to the time-weighted mean), else starts one. */
function clusterPlaces(points: readonly (Point & { ms: number })[], radius: number): Place[] {
  const places: Place[] = [];
  for (const p of points) {
    let best: Place | undefined;
    let bestD = Infinity;
    for (const place of places) {
      const d = distanceM(place, p);
      if (d < bestD) [best, bestD] = [place, d];
    }
    if (best && bestD <= radius) {
      const total = best.ms + p.ms;
      if (total > 0) {
        best.lat = (best.lat * best.ms + p.lat * p.ms) / total;
        best.lon = (best.lon * best.ms + p.lon * p.ms) / total;
      }
      best.ms = total;
    } else {
      places.push({ lat: p.lat, lon: p.lon, ms: p.ms });
    }
  }
  return places;
}

/**
 * Home, learned as jasmine's locate_home does: the place where the participant pauses most at night
 * (segments whose middle falls before 09:00 or from 19:00 local time), here over the `HOME_WINDOW_DAYS`
 * days ending with `day` and weighted by time rather than counted. Undefined with under an hour of
 * night pauses.
 */
export function learnHome(fixes: readonly Fix[], day: string, timeZone: string): Point | undefined {
  const nights: [number, number][] = [];
  for (let i = 1 - HOME_WINDOW_DAYS; i <= 0; i++) {
    const d = addDays(day, i);
    const w = dayWindow(d, timeZone);
    nights.push([w.start, localHour(d, 9, timeZone)], [localHour(d, 19, timeZone), w.end]);
  }
  const first = nights[0]![0];
  const last = nights.at(-1)![1];
  const pauses: (Point & { ms: number })[] = [];
  for (const s of segmentsOf(fixes)) {
    if (!s.pause || s.b.t <= first || s.a.t >= last) continue;
    const mid = (s.a.t + s.b.t) / 2;
    const inNight = nights.some(([from, to]) => mid >= from && mid < to);
    if (inNight) pauses.push({ ...midpoint(s), ms: s.b.t - s.a.t });
  }
  const places = clusterPlaces(pauses, HOME_CLUSTER_M);
  const home = places.reduce<Place | undefined>((best, p) => (!best || p.ms > best.ms ? p : best), undefined);
  return home && home.ms >= HOME_MIN_MS ? { lat: home.lat, lon: home.lon } : undefined;
}

export type MobilityFeatures = Record<MobilityFeature, number | null>;
export const MOBILITY_FEATURES = [
  'obs_duration',
  'obs_day',
  'obs_night',
  'missing_time',
  'home_time',
  'dist_traveled',
  'max_dist_home',
  'radius',
  'diameter',
  'num_sig_places',
  'entropy',
  'total_flight_time',
  'av_flight_length',
  'sd_flight_length',
  'av_flight_duration',
  'sd_flight_duration',
  'total_pause_time',
  'av_pause_duration',
  'sd_pause_duration',
] as const;
export type MobilityFeature = (typeof MOBILITY_FEATURES)[number];
/** Features with a value whatever the coverage: they measure the coverage itself. */
export const OBSERVATION_FEATURES: ReadonlySet<MobilityFeature> = new Set([
  'obs_duration',
  'obs_day',
  'obs_night',
  'missing_time',
]);

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
/** Population standard deviation, as numpy's default that jasmine uses. */
function sd(xs: readonly number[]): number | null {
  const m = mean(xs);
  return m === null ? null : Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
}

/**
 * One day's mobility from the fixes around it (those within `MAX_GAP_MS` of its edges join it too):
 * durations in hours and distances in km, as jasmine's daily output. `coverage` is the observed share
 * of the day; below `MIN_GPS_COVERAGE` every feature but the observation ones is null.
 */
export function dayMobility(
  fixes: readonly Fix[],
  window: DayWindow,
  home: Point | undefined,
  timeZone: string
): { features: MobilityFeatures; coverage: number } {
  const { start, end } = window;
  const dayFrom = localHour(window.day, 8, timeZone);
  const dayTo = localHour(window.day, 20, timeZone);
  const segments = segmentsOf(fixes).filter((s) => overlap(s, start, end) > 0);
  let observed = 0;
  let daytime = 0;
  let homeMs = 0;
  let distance = 0;
  const flights: { m: number; ms: number }[] = [];
  const pauses: number[] = [];
  const pausePoints: (Point & { ms: number })[] = [];
  let previous: Segment | undefined;
  for (const s of segments) {
    const ms = overlap(s, start, end);
    const share = ms / (s.b.t - s.a.t);
    observed += ms;
    daytime += overlap(s, dayFrom, dayTo);
    if (home && (distanceM(home, s.a) + distanceM(home, s.b)) / 2 <= HOME_RADIUS_M) homeMs += ms;
    // Runs of segments of one kind that share a fix are one flight or one pause.
    const continues = previous !== undefined && previous.b === s.a && previous.pause === s.pause;
    if (s.pause) {
      pausePoints.push({ ...midpoint(s), ms });
      if (continues) pauses[pauses.length - 1]! += ms;
      else pauses.push(ms);
    } else {
      distance += s.lengthM * share;
      if (continues) {
        const f = flights.at(-1)!;
        f.m += s.lengthM * share;
        f.ms += ms;
      } else flights.push({ m: s.lengthM * share, ms });
    }
    previous = s;
  }
  const dayMs = end - start;
  const coverage = observed / dayMs;
  const inDay = fixes.filter((f) => f.t >= start && f.t < end);
  const places = clusterPlaces(pausePoints, PLACE_RADIUS_M).filter((p) => p.ms >= PLACE_MIN_MS);
  const placeMs = places.reduce((a, p) => a + p.ms, 0);
  const pauseMs = pauses.reduce((a, b) => a + b, 0);
  const hours = (ms: number | null) => (ms === null ? null : ms / HOUR_MS);
  const km = (m: number | null) => (m === null ? null : m / 1000);
  const all: MobilityFeatures = {
    obs_duration: hours(observed),
    obs_day: hours(daytime),
    obs_night: hours(observed - daytime),
    missing_time: hours(dayMs - observed),
    home_time: home ? hours(homeMs) : null,
    dist_traveled: km(distance),
    max_dist_home: home && inDay.length ? km(Math.max(...inDay.map((f) => distanceM(home, f)))) : null,
    radius: pauseMs > 0 ? km(gyration(pausePoints, pauseMs)) : null,
    diameter: inDay.length ? km(diameter(inDay)) : null,
    num_sig_places: places.length,
    entropy: places.length > 1 ? -places.reduce((a, p) => a + (p.ms / placeMs) * Math.log(p.ms / placeMs), 0) : 0,
    total_flight_time: hours(flights.reduce((a, f) => a + f.ms, 0)),
    av_flight_length: km(mean(flights.map((f) => f.m))),
    sd_flight_length: km(sd(flights.map((f) => f.m))),
    av_flight_duration: hours(mean(flights.map((f) => f.ms))),
    sd_flight_duration: hours(sd(flights.map((f) => f.ms))),
    total_pause_time: hours(pauseMs),
    av_pause_duration: hours(mean(pauses)),
    sd_pause_duration: hours(sd(pauses)),
  };
  if (coverage < MIN_GPS_COVERAGE) {
    for (const f of MOBILITY_FEATURES) if (!OBSERVATION_FEATURES.has(f)) all[f] = null;
  }
  return { features: all, coverage };
}

/** Jasmine's radius of gyration: the time-weighted mean distance of pauses from their time-weighted centroid. */
function gyration(points: readonly (Point & { ms: number })[], totalMs: number): number {
  const centroid = {
    lat: points.reduce((a, p) => a + p.lat * p.ms, 0) / totalMs,
    lon: points.reduce((a, p) => a + p.lon * p.ms, 0) / totalMs,
  };
  return points.reduce((a, p) => a + distanceM(centroid, p) * p.ms, 0) / totalMs;
}

/** The largest distance between two of the day's fixes; fixes a metre apart count once. */
function diameter(fixes: readonly Fix[]): number {
  const seen = new Map<string, Point>();
  for (const f of fixes) seen.set(`${f.lat.toFixed(5)},${f.lon.toFixed(5)}`, f);
  const points = [...seen.values()];
  let max = 0;
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) max = Math.max(max, distanceM(points[i]!, points[j]!));
  }
  return max;
}
