import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS, type ProviderId } from '../providers/provider.ts';
import { vendorOf } from '../vendors/registry.ts';
import { CALLS_PER_PULL, pullsPerDay, wearableCapacity } from './capacity.ts';
import { DEFAULT_MEASUREMENTS, type WearableMeasurement } from './measurements.ts';

const byVendor = (list: ReturnType<typeof wearableCapacity>) => Object.fromEntries(list.map((v) => [v.provider, v]));
/** One study's active connections, collecting the default measurements unless told. */
const study = (
  active: Partial<Record<ProviderId, number>>,
  measurements: readonly WearableMeasurement[] = DEFAULT_MEASUREMENTS,
  studyId = 1
) => ({ studyId, name: `study ${studyId}`, measurements, active });

describe('wearable capacity (figures computed by hand)', () => {
  const defaults = {
    incrementalMinutes: 60,
    notifications: { enabled: false, incrementalMinutes: 360 },
    minMinutes: { fitbit: 0, withings: 180, polar: 180 },
  };

  it('with the default settings and notifications off: Polar unbounded, Withings 1,512, Google 120,000', () => {
    const v = byVendor(wearableCapacity(defaults, [study({ fitbit: 1000, withings: 1000, polar: 1000 })]));
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
    // Withings: every 180 minutes, 8 pulls × 9 (no ECG list by default: 6 calls, and the intraday
    // series' 4) and the 8 token refreshes of its 3-hour tokens = 80 a day; 84 a minute (70% of 120)
    // / (80/1440) = 1,512.
    expect(v.withings).toMatchObject({
      pullsPerDay: 8,
      callsPerConnectionPerDay: 80,
      connections: 1512,
      binding: 'per app per minute',
    });
    // 1,000 × 80/1440 = 55.6 calls a minute of 120: 46.3%.
    expect(v.withings?.windows[0]?.usedPct).toBe(46.3);
    // Polar: every 180 minutes, 8 × 5 (no ECG tests by default) and twice the 7 nightly calls = 54
    // a day, under the 70 that each user adds to 70% of the 24-hour quota.
    expect(v.polar).toMatchObject({ pullsPerDay: 8, callsPerConnectionPerDay: 54, connections: null, binding: null });
    // At 1,000 users: 54,000 of 105,000 a day (51.4%); 562.5 of 20,500 per 15 minutes (2.7%).
    expect(v.polar?.windows.map((w) => [w.name, w.connections, w.usedPct])).toEqual([
      ['per app per 15 minutes', null, 2.7],
      ['per app per 24 hours', null, 51.4],
    ]);
  });

  it('hourly pulls with no vendor minimum: Polar 54 (its 24-hour window), Withings 540', () => {
    const v = byVendor(wearableCapacity({ incrementalMinutes: 60 }, []));
    // 24 × 5 + 2 × 7 = 134 a day (bench/late-sync.bench.ts counts 134): n × 134 ≤ 0.7 × (5000 + 100n) → 64n ≤ 3500 → 54.7.
    expect(v.polar).toMatchObject({ callsPerConnectionPerDay: 134, connections: 54, binding: 'per app per 24 hours' });
    // 216 a day (the bench: 219, with a night's sleep detail) and 8 refreshes (a token lasts 3 pulls): 84 × 1440 / 224 = 540.
    expect(v.withings).toMatchObject({ callsPerConnectionPerDay: 224, connections: 540 });
  });

  it('with notifications on: the safety-net polls, or one pull per upload no sooner than the vendor minimum', () => {
    const on = { ...defaults, notifications: { enabled: true, incrementalMinutes: 360 } };
    // Hourly uploads: Polar 8 (one per 180 min), Withings 8 (and 8 refreshes), Google 24 (no minimum).
    expect(byVendor(wearableCapacity(on, [])).withings?.callsPerConnectionPerDay).toBe(80);
    expect((['fitbit', 'withings', 'polar'] as const).map((p) => pullsPerDay(p, on, 24) * CALLS_PER_PULL[p])).toEqual([
      504, 72, 40,
    ]);
    // Polar's nightly types are read twice a day however often it is pulled: 40 + 14.
    expect(byVendor(wearableCapacity(on, [])).polar?.callsPerConnectionPerDay).toBe(54);
    // Pulled once a day, once: 5 + 7.
    expect(byVendor(wearableCapacity({ incrementalMinutes: 0 }, [])).polar?.callsPerConnectionPerDay).toBe(12);
    // Two uploads a day: the four safety-net polls a day are more.
    expect(pullsPerDay('polar', on, 2)).toBe(4);
    expect(byVendor(wearableCapacity(on, [], { uploadsPerDay: 2 })).withings).toMatchObject({
      // 4 pulls of 9, each refreshing first: 40; 84 × 1440 / 40 = 3,024.
      callsPerConnectionPerDay: 40,
      connections: 3024,
    });
  });

  it("Polar without its webhook: each upload's listed pull, or the 720-minute safety net, and the list's 96 calls a day", () => {
    const listing = { ...defaults, listingSafetyNetMinutes: 720 };
    const v = byVendor(wearableCapacity(listing, [study({ polar: 1000 })]));
    // Hourly uploads, each listed: a pull every 180 minutes at most, 8 × 5 + 2 × 7 = 54 a day as before.
    expect(v.polar).toMatchObject({ pullsPerDay: 8, callsPerConnectionPerDay: 54, clientCallsPerDay: 96 });
    // The list once every 15 minutes for the whole client: 1 call per 15 minutes, 96 a day.
    // 1,000 users: 563.5 of 20,500 per 15 minutes (2.7%); 54,096 of 105,000 a day (51.5%).
    expect(v.polar?.windows.map((w) => [w.name, w.connections, w.usedPct])).toEqual([
      ['per app per 15 minutes', null, 2.7],
      ['per app per 24 hours', null, 51.5],
    ]);
    // A device uploading twice a day is listed twice: 2 × 5 + 2 × 7 = 24; an idle one is pulled
    // at the safety net only (the daily pull and one more), 24 too, where polling spent 54.
    for (const uploads of [2, 0]) {
      const idle = byVendor(wearableCapacity(listing, [], { uploadsPerDay: uploads }));
      expect(idle.polar).toMatchObject({ pullsPerDay: 2, callsPerConnectionPerDay: 24 });
    }
    // The webhook (notifications on) takes the list's place.
    expect(
      byVendor(wearableCapacity({ ...listing, notifications: { enabled: true, incrementalMinutes: 360 } }, [])).polar
    ).toMatchObject({ clientCallsPerDay: 0 });
    // No vendor minimum: hourly listed pulls, 24 × 5 + 2 × 7 = 134 a day; the list's 96 leave
    // n × 134 + 96 ≤ 0.7 × (5000 + 100n) → 64n ≤ 3,404 → 53.2 (54 without the list).
    expect(
      byVendor(wearableCapacity({ incrementalMinutes: 60, listingSafetyNetMinutes: 720 }, [])).polar
    ).toMatchObject({
      callsPerConnectionPerDay: 134,
      connections: 53,
      binding: 'per app per 24 hours',
    });
  });

  it('a per-user quota one pull would overrun holds no connection', () => {
    const v = byVendor(wearableCapacity(defaults, [], { callsPerPull: { fitbit: 241 }, uploadsPerDay: 24 }));
    expect(v.fitbit).toMatchObject({ connections: 0, binding: 'per user per minute' });
  });

  it("a narrower study's connections spend only what its measurements read", () => {
    const narrow: WearableMeasurement[] = ['heart_rate', 'sleep'];
    const v = byVendor(wearableCapacity(defaults, [study({ fitbit: 1000, withings: 400, polar: 1000 }, narrow, 2)]));
    // Google: the paired devices, heart rate, resting heart rate and sleep, 4 calls a pull, 96 a day
    // where the default spends 504: 70% of 86.4M a day / 96 = 630,000.
    expect(v.fitbit).toMatchObject({ callsPerConnectionPerDay: 96, connections: 630_000 });
    // A pull's 4 calls at once in a user's 300 a minute: 1.3%.
    expect(v.fitbit?.windows[0]?.usedPct).toBe(1.3);
    // Withings: getmeas, the sleep summaries, the devices and the intraday series' 4, 7 a pull:
    // 8 × 7 + 8 refreshes = 64 a day (80 by default); 84 × 1440 / 64 = 1,890.
    expect(v.withings).toMatchObject({ callsPerConnectionPerDay: 64, connections: 1890 });
    // Polar: heart rate and sleep, 8 × 2 = 16, and none of the nightly types (54 by default).
    expect(v.polar).toMatchObject({ callsPerConnectionPerDay: 16, connections: null });
  });

  it('connections of several studies: the mean of what each spends, and each study on its own', () => {
    const v = byVendor(
      wearableCapacity(defaults, [
        study({ withings: 600 }),
        study({ withings: 400 }, ['heart_rate', 'sleep'], 2),
        study({}, ['blood_pressure'], 3),
      ])
    );
    // (600 × 80 + 400 × 64) / 1,000 = 73.6 a connection: 84 × 1440 / 73.6 = 1,643.5; 73,600 a day
    // is 51.1 a minute of 120: 42.6%.
    expect(v.withings).toMatchObject({ activeConnections: 1000, callsPerConnectionPerDay: 73.6, connections: 1643 });
    expect(v.withings?.windows[0]?.usedPct).toBe(42.6);
    // Blood pressure alone: getmeas and the devices, 8 × 2 + 8 = 24 a day; Google and Polar do
    // not deliver it, so no connection of the study is made to them.
    expect(v.withings?.studies).toEqual([
      { studyId: 1, name: 'study 1', activeConnections: 600, callsPerConnectionPerDay: 80 },
      { studyId: 2, name: 'study 2', activeConnections: 400, callsPerConnectionPerDay: 64 },
      { studyId: 3, name: 'study 3', activeConnections: 0, callsPerConnectionPerDay: 24 },
    ]);
    expect(v.polar?.studies.map((s) => s.callsPerConnectionPerDay)).toEqual([54, 16, null]);
    // No Polar connection: the figures of a study collecting the default.
    expect(v.polar).toMatchObject({ activeConnections: 0, callsPerConnectionPerDay: 54 });
  });
});

describe('calls per type', () => {
  it.each(PROVIDER_IDS)('%s gives the calls of every type its pull reads, and of no other', (provider) => {
    expect(Object.keys(vendorOf(provider).quotas.callsPerType).sort()).toEqual(
      vendorOf(provider)
        .source.types.map((t) => t.name)
        .sort()
    );
  });
});
