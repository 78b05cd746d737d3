import { describe, expect, it } from 'vitest';
import { CALLS_PER_PULL, pullsPerDay, wearableCapacity } from './capacity.ts';

const byVendor = (list: ReturnType<typeof wearableCapacity>) => Object.fromEntries(list.map((v) => [v.provider, v]));

describe('wearable capacity (figures computed by hand)', () => {
  const defaults = {
    incrementalMinutes: 60,
    notifications: { enabled: false, incrementalMinutes: 360 },
    minMinutes: { fitbit: 0, withings: 180, polar: 180 },
  };

  it('with the default settings and notifications off: Polar unbounded, Withings 1,374, Google 120,000', () => {
    const v = byVendor(wearableCapacity(defaults, { fitbit: 1000, withings: 1000, polar: 1000 }));
    // Google: 24 pulls × 21 calls = 504 a day; 70% of 86.4M a day / 504 = 120,000; of 120,000 a minute / (504/1440) = 240,000.
    expect(v.fitbit).toMatchObject({ pullsPerDay: 24, callsPerConnectionPerDay: 504, connections: 120_000 });
    expect(v.fitbit?.binding).toBe('per project per day');
    expect(v.fitbit?.windows.map((w) => [w.name, w.connections, w.usedPct])).toEqual([
      // A pull's 21 calls at once in a user's 300 a minute: 7%; 1,000 connections' 350 a minute of
      // 120,000 (0.3%) and 504,000 a day of 86.4M (0.6%).
      ['per user per minute', null, 7],
      ['per project per minute', 240_000, 0.3],
      ['per project per day', 120_000, 0.6],
    ]);
    // Withings: every 180 minutes, 8 pulls × 10 and the 8 token refreshes of its 3-hour tokens = 88 a
    // day; 84 a minute (70% of 120) / (88/1440) = 1,374.5.
    expect(v.withings).toMatchObject({
      pullsPerDay: 8,
      callsPerConnectionPerDay: 88,
      connections: 1374,
      binding: 'per app per minute',
    });
    // 1,000 × 88/1440 = 61.1 calls a minute of 120: 50.9%.
    expect(v.withings?.windows[0]?.usedPct).toBe(50.9);
    // Polar: every 180 minutes, 8 × 6 and twice the 7 nightly calls = 62 a day, under the 70 that
    // each user adds to 70% of the 24-hour quota.
    expect(v.polar).toMatchObject({ pullsPerDay: 8, callsPerConnectionPerDay: 62, connections: null, binding: null });
    // At 1,000 users: 62,000 of 105,000 a day (59.0%); 646 of 20,500 per 15 minutes (3.2%).
    expect(v.polar?.windows.map((w) => [w.name, w.connections, w.usedPct])).toEqual([
      ['per app per 15 minutes', null, 3.2],
      ['per app per 24 hours', null, 59],
    ]);
  });

  it('hourly pulls with no vendor minimum: Polar 39 (its 24-hour window), Withings 487', () => {
    const v = byVendor(wearableCapacity({ incrementalMinutes: 60 }, {}));
    // 24 × 6 + 2 × 7 = 158 a day: n × 158 ≤ 0.7 × (5000 + 100n) → 88n ≤ 3500 → 39.8.
    expect(v.polar).toMatchObject({ callsPerConnectionPerDay: 158, connections: 39, binding: 'per app per 24 hours' });
    // 240 a day and 8 refreshes (a token lasts 3 pulls): 84 × 1440 / 248 = 487.7.
    expect(v.withings).toMatchObject({ callsPerConnectionPerDay: 248, connections: 487 });
  });

  it('with notifications on: the safety-net polls, or one pull per upload no sooner than the vendor minimum', () => {
    const on = { ...defaults, notifications: { enabled: true, incrementalMinutes: 360 } };
    // Hourly uploads: Polar 8 (one per 180 min), Withings 8 (and 8 refreshes), Google 24 (no minimum).
    expect(byVendor(wearableCapacity(on, {})).withings?.callsPerConnectionPerDay).toBe(88);
    expect((['fitbit', 'withings', 'polar'] as const).map((p) => pullsPerDay(p, on, 24) * CALLS_PER_PULL[p])).toEqual([
      504, 80, 48,
    ]);
    // Polar's nightly types are read twice a day however often it is pulled: 48 + 14.
    expect(byVendor(wearableCapacity(on, {})).polar?.callsPerConnectionPerDay).toBe(62);
    // Pulled once a day, once: 6 + 7.
    expect(byVendor(wearableCapacity({ incrementalMinutes: 0 }, {})).polar?.callsPerConnectionPerDay).toBe(13);
    // Two uploads a day: the four safety-net polls a day are more.
    expect(pullsPerDay('polar', on, 2)).toBe(4);
    expect(
      byVendor(wearableCapacity(on, {}, { callsPerPull: CALLS_PER_PULL, uploadsPerDay: 2 })).withings
    ).toMatchObject({
      // 4 pulls of 10, each refreshing first: 44; 84 × 1440 / 44 = 2,749.1.
      callsPerConnectionPerDay: 44,
      connections: 2749,
    });
  });

  it("Polar without its webhook: each upload's listed pull, or the 720-minute safety net, and the list's 96 calls a day", () => {
    const listing = { ...defaults, polarSafetyNetMinutes: 720 };
    const v = byVendor(wearableCapacity(listing, { polar: 1000 }));
    // Hourly uploads, each listed: a pull every 180 minutes at most, 8 × 6 + 2 × 7 = 62 a day as before.
    expect(v.polar).toMatchObject({ pullsPerDay: 8, callsPerConnectionPerDay: 62, clientCallsPerDay: 96 });
    // The list once every 15 minutes for the whole client: 1 call per 15 minutes, 96 a day.
    // 1,000 users: 646.8 of 20,500 per 15 minutes (3.2%); 62,096 of 105,000 a day (59.1%).
    expect(v.polar?.windows.map((w) => [w.name, w.connections, w.usedPct])).toEqual([
      ['per app per 15 minutes', null, 3.2],
      ['per app per 24 hours', null, 59.1],
    ]);
    // A device uploading twice a day is listed twice: 2 × 6 + 2 × 7 = 26; an idle one is pulled
    // at the safety net only (the daily pull and one more), 26 too, where polling spent 62.
    for (const uploads of [2, 0]) {
      const idle = byVendor(wearableCapacity(listing, {}, { callsPerPull: CALLS_PER_PULL, uploadsPerDay: uploads }));
      expect(idle.polar).toMatchObject({ pullsPerDay: 2, callsPerConnectionPerDay: 26 });
    }
    // The webhook (notifications on) takes the list's place.
    expect(
      byVendor(wearableCapacity({ ...listing, notifications: { enabled: true, incrementalMinutes: 360 } }, {})).polar
    ).toMatchObject({ clientCallsPerDay: 0 });
    // No vendor minimum: hourly listed pulls, 24 × 6 + 2 × 7 = 158 a day; the list's 96 leave
    // n × 158 + 96 ≤ 0.7 × (5000 + 100n) → 88n ≤ 3,404 → 38.7 (39 without the list).
    expect(byVendor(wearableCapacity({ incrementalMinutes: 60, polarSafetyNetMinutes: 720 }, {})).polar).toMatchObject({
      callsPerConnectionPerDay: 158,
      connections: 38,
      binding: 'per app per 24 hours',
    });
  });

  it('a per-user quota one pull would overrun holds no connection', () => {
    const v = byVendor(
      wearableCapacity(defaults, {}, { callsPerPull: { ...CALLS_PER_PULL, fitbit: 241 }, uploadsPerDay: 24 })
    );
    expect(v.fitbit).toMatchObject({ connections: 0, binding: 'per user per minute' });
  });
});
