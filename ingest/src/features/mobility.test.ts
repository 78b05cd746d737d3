import { describe, expect, it } from 'vitest';
import { dayWindow } from './local-time.ts';
import { dayMobility, learnHome, type Fix } from './mobility.ts';

/**
 * Synthetic trajectories with answers worked out by hand. Every place lies on one meridian, where
 * the great-circle distance is exactly R·Δlatitude, so distances are simple multiples of a km.
 */
const KM = 180 / (Math.PI * 6371); // degrees of latitude per km
const HOME = { lat: 42, lon: -71 };
const north = (km: number) => ({ lat: HOME.lat + km * KM, lon: HOME.lon });
const MIN = 60_000;
const HOUR = 60 * MIN;

/** A fix every `stepMin` minutes in [from, to], at `at(t)`. */
function track(from: number, to: number, at: (t: number) => { lat: number; lon: number }, stepMin = 1): Fix[] {
  const fixes: Fix[] = [];
  for (let t = from; t <= to; t += stepMin * MIN) fixes.push({ t, ...at(t) });
  return fixes;
}
/** Fixes concatenated, a point in time given twice kept once. */
const join = (...parts: Fix[][]) => parts.flat().filter((f, i, all) => i === 0 || f.t !== all[i - 1]!.t);
/** Straight travel from a to b (km north of home) between two instants. */
const travel = (from: number, to: number, a: number, b: number) =>
  track(from, to, (t) => north(a + ((b - a) * (t - from)) / (to - from)));

/** Each expected feature within 1e-6 of the computed one. */
function expectNear(actual: Record<string, number | null>, expected: Record<string, number>) {
  for (const [name, value] of Object.entries(expected)) expect(actual[name], name).toBeCloseTo(value, 6);
}

function features(fixes: Fix[], day: string, timeZone = 'UTC') {
  const w = dayWindow(day, timeZone);
  const home = learnHome(fixes, day, timeZone);
  return { home, ...dayMobility(fixes, w, home, timeZone) };
}

const day0 = Date.UTC(2026, 4, 12);
const DAY = '2026-05-12';

describe('daily mobility', () => {
  it('a day at home: all of it observed, at home, one place, no travel', () => {
    // Fixes from 10 min before to 10 min after the day: every minute of it is covered.
    const {
      home,
      features: f,
      coverage,
    } = features(
      track(day0 - 10 * MIN, day0 + 24 * HOUR + 10 * MIN, () => HOME),
      DAY
    );
    expect(home!.lat).toBeCloseTo(HOME.lat, 9);
    expect(coverage).toBe(1);
    expect(f).toMatchObject({
      obs_duration: 24,
      obs_day: 12,
      obs_night: 12,
      missing_time: 0,
      home_time: 24,
      dist_traveled: 0,
      max_dist_home: 0,
      radius: 0,
      diameter: 0,
      num_sig_places: 1,
      entropy: 0,
      total_flight_time: 0,
      av_flight_length: null,
      total_pause_time: 24,
      av_pause_duration: 24,
      sd_pause_duration: 0,
    });
  });

  it('a commute: home, 5 km north to work and back, by hand', () => {
    const h = (n: number) => day0 + n * HOUR;
    const fixes = join(
      track(h(0) - 10 * MIN, h(8), () => HOME),
      travel(h(8), h(8.5), 0, 5),
      track(h(8.5), h(17), () => north(5)),
      travel(h(17), h(17.5), 5, 0),
      track(h(17.5), h(24) + 10 * MIN, () => HOME)
    );
    const { features: f, coverage } = features(fixes, DAY);
    expect(coverage).toBe(1);
    // Pauses 8 h (home), 8.5 h (work), 6.5 h (home); flights two of 5 km and 30 min.
    const pauses = [8, 8.5, 6.5];
    const mean = 23 / 3;
    const sd = Math.sqrt(pauses.reduce((a, p) => a + (p - mean) ** 2, 0) / 3);
    const [pHome, pWork] = [14.5 / 23, 8.5 / 23];
    expect(f.num_sig_places).toBe(2);
    expectNear(f, {
      obs_duration: 24,
      home_time: 14.5,
      dist_traveled: 10,
      max_dist_home: 5,
      diameter: 5,
      // Centroid 5·8.5/23 km north of home; mean distance 2·5·14.5·8.5/23² km.
      radius: (2 * 5 * 14.5 * 8.5) / 23 ** 2,
      entropy: -(pHome * Math.log(pHome) + pWork * Math.log(pWork)),
      total_flight_time: 1,
      av_flight_length: 5,
      sd_flight_length: 0,
      av_flight_duration: 0.5,
      sd_flight_duration: 0,
      total_pause_time: 23,
      av_pause_duration: mean,
      sd_pause_duration: sd,
    });
  });

  it('a trip: home is still learned from the nights before, and the day away is away', () => {
    const h = (n: number) => day0 + n * HOUR;
    // Three days at home (a fix every 10 min), then 100 km north at 09:00, staying there.
    const fixes = join(
      track(h(-72), h(9), () => HOME, 10),
      travel(h(9), h(10), 0, 100),
      track(h(10), h(48) + 10 * MIN, () => north(100), 10)
    );
    const trip = features(fixes, DAY);
    expect(trip.home!.lat).toBeCloseTo(HOME.lat, 9);
    expect(trip.features.num_sig_places).toBe(2);
    expectNear(trip.features, { home_time: 9, dist_traveled: 100, max_dist_home: 100, total_flight_time: 1 });
    // The next day: night pauses at home 3·14 + 9 h outweigh the 5 + 14 h away.
    const away = features(fixes, '2026-05-13');
    expect(away.home!.lat).toBeCloseTo(HOME.lat, 9);
    expect(away.features).toMatchObject({ home_time: 0, dist_traveled: 0, num_sig_places: 1, entropy: 0 });
    expectNear(away.features, { max_dist_home: 100, diameter: 0 });
  });

  it('a GPS gap: only what the fixes cover is observed; under half a day nothing else counts', () => {
    const h = (n: number) => day0 + n * HOUR;
    // Half the day: 00:00–06:00 and 18:00–24:00; the 12 h between is one gap, not a pause.
    const half = features(
      join(
        track(h(0) - 10 * MIN, h(6), () => HOME),
        track(h(18), h(24) + 10 * MIN, () => HOME)
      ),
      DAY
    );
    expect(half.coverage).toBe(0.5);
    expect(half.features).toMatchObject({
      obs_duration: 12,
      obs_day: 2,
      obs_night: 10,
      missing_time: 12,
      home_time: 12,
      total_pause_time: 12,
      av_pause_duration: 6,
    });
    // 10 of 24 hours: the day does not count, but says how much was seen.
    const short = features(
      join(
        track(h(0) - 10 * MIN, h(6), () => HOME),
        track(h(20), h(24) + 10 * MIN, () => HOME)
      ),
      DAY
    );
    expect(short.coverage).toBeCloseTo(10 / 24, 12);
    expect(short.features).toMatchObject({
      obs_duration: 10,
      missing_time: 14,
      home_time: null,
      dist_traveled: null,
      entropy: null,
    });
  });

  it('a fix every 11 minutes (Beiwe’s default duty cycle) still covers the day', () => {
    const { features: f, coverage } = features(
      track(day0 - 11 * MIN, day0 + 24 * HOUR + 11 * MIN, () => HOME, 11),
      DAY
    );
    expect(coverage).toBe(1);
    expect(f.home_time).toBe(24);
  });

  it('a DST day (New York, spring forward) has 23 hours, and day is still 08:00–20:00 local', () => {
    const zone = 'America/New_York';
    const w = dayWindow('2026-03-08', zone);
    expect(w.start).toBe(Date.UTC(2026, 2, 8, 5));
    expect(w.end - w.start).toBe(23 * HOUR);
    const fixes = track(w.start - 10 * MIN, w.end + 10 * MIN, () => HOME);
    const { features: f, coverage } = features(fixes, '2026-03-08', zone);
    expect(coverage).toBe(1);
    expect(f).toMatchObject({ obs_duration: 23, obs_day: 12, obs_night: 11, home_time: 23, missing_time: 0 });
  });

  it('no night pauses, no home: home features are null, the rest are not', () => {
    const h = (n: number) => day0 + n * HOUR;
    // At home only from 10:00 to 18:00, nothing at night: too little to learn a home from.
    const { home, features: f } = features(
      track(h(10), h(18), () => HOME),
      DAY
    );
    expect(home).toBeUndefined();
    expect(f.home_time).toBeNull();
    expect(f.max_dist_home).toBeNull();
    expect(f.obs_duration).toBe(8);
  });
});
