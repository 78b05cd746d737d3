import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import type { ProviderId } from '../providers/provider.ts';
import { googleHealthData } from '../test/provider-simulators/google-health-data.ts';
import { startWearablesHarness, type WearablesHarness } from '../test/provider-simulators/harness.ts';
import { polarData } from '../test/provider-simulators/polar-data.ts';
import { withingsData } from '../test/provider-simulators/withings-data.ts';
import { test } from '../test/fixtures.ts';
import { pullConnection, type PullPlan } from './pull.ts';
import { pullDeps } from './testing.ts';

/**
 * A device that records for days without uploading, then syncs: the daily syncs in between find
 * nothing, and the sync after the upload brings every day it recorded, each row once. Day 0 is
 * uploaded before the first (backfill) pull; days 1…late are recorded offline, each read for at
 * its own day's pull.
 */

const DAY = 86_400_000;
const T0 = new Date('2026-11-21T09:00:00Z');
const dayAt = (d: number, hhmm: string) =>
  new Date(`${new Date(T0.getTime() + d * DAY).toISOString().slice(0, 10)}T${hhmm}:00Z`);
const dateOf = (d: number) => dayAt(d, '00:00').toISOString().slice(0, 10);
const epoch = (at: Date) => Math.floor(at.getTime() / 1000);

type Sims = {
  wearables: WearablesHarness;
  google: ReturnType<typeof googleHealthData>;
  withings: ReturnType<typeof withingsData>;
  polar: ReturnType<typeof polarData>;
};

const simTest = test.extend<{ sims: Sims }>({
  sims: async ({ db, clock, vault, archiveStore }, use) => {
    const google = googleHealthData();
    const withings = withingsData();
    const polar = polarData();
    const wearables = await startWearablesHarness({
      db,
      clock,
      vault,
      archiveStore,
      sims: {
        fitbit: { extend: google.extend, pairedDevices: google.pairedDevices },
        withings: { extend: withings.extend, devices: withings.devices },
        polar: { extend: polar.extend },
      },
    });
    await use({ wearables, google, withings, polar });
    await wearables.close();
  },
});

/** Day d's recordings, kept on the device until it syncs. */
function record(sims: Sims, provider: ProviderId, user: string, d: number) {
  if (provider === 'fitbit') {
    const source = { platform: 'FITBIT', device: { displayName: 'Charge 6' } };
    sims.google.recordOffline(user, 'heart-rate', [
      {
        dataSource: source,
        heartRate: { beatsPerMinute: String(60 + d), sampleTime: { physicalTime: dayAt(d, '07:30').toISOString() } },
      },
    ]);
    sims.google.recordOffline(user, 'steps', [
      {
        dataSource: source,
        steps: {
          count: String(100 + d),
          interval: { startTime: dayAt(d, '07:30').toISOString(), endTime: dayAt(d, '07:31').toISOString() },
        },
      },
    ]);
  } else if (provider === 'withings') {
    const start = epoch(dayAt(d - 1, '23:00'));
    const end = epoch(dayAt(d, '07:00'));
    sims.withings.recordOffline(user, {
      measuregrps: [
        {
          grpid: 1000 + d,
          attrib: 0,
          date: epoch(dayAt(d, '07:30')),
          category: 1,
          measures: [{ value: 70_000 + d * 100, type: 1, unit: -3 }],
        },
      ],
      nights: [
        {
          id: 500 + d,
          timezone: 'UTC',
          model: 32,
          startdate: start,
          enddate: end,
          date: dateOf(d),
          data: { total_sleep_time: 25_000, wakeupduration: 600 },
        },
      ],
      segments: [
        { startdate: start, enddate: end, state: 2, model: 'Sleep Analyzer', hr: { [String(start)]: 50 + d } },
      ],
      activities: [{ date: dateOf(d), timezone: 'UTC', modelid: 93, steps: 2000 + d, totalcalories: 2100 }],
      workouts: [
        {
          id: 700 + d,
          category: 1,
          timezone: 'UTC',
          model: 93,
          attrib: 7,
          startdate: epoch(dayAt(d, '08:00')),
          enddate: epoch(dayAt(d, '08:30')),
          date: dateOf(d),
          data: { calories: 120, steps: 3000 },
        },
      ],
    });
  } else {
    sims.polar.recordOffline(user, {
      activities: [
        {
          start_time: `${dateOf(d)}T00:00:00`,
          end_time: `${dateOf(d)}T23:59:59`,
          steps: 1000 + d,
          samples: {
            date: dateOf(d),
            steps: {
              interval_ms: 60_000,
              total_steps: 1000 + d,
              samples: [{ steps: 1000 + d, timestamp: `${dateOf(d)}T06:00` }],
            },
          },
        },
      ],
      continuousHr: [{ date: dateOf(d), heart_rate_samples: [{ heart_rate: 60 + d, sample_time: '07:30:00' }] }],
      sleep: [
        {
          date: dateOf(d),
          sleep_start_time: `${dateOf(d - 1)}T23:00:00+00:00`,
          sleep_end_time: `${dateOf(d)}T07:00:00+00:00`,
          light_sleep: 20_000,
          deep_sleep: 5000,
        },
      ],
      recharges: [{ date: dateOf(d), heart_rate_variability_avg: 30 + d }],
      cardioLoads: [{ date: dateOf(d), cardio_load_status: 'MAINTAINING', cardio_load: 10 + d }],
      spo2Tests: [
        { test_time: epoch(dayAt(d, '07:40')), test_status: 'SPO2_TEST_PASSED', blood_oxygen_percent: 60 + d },
      ],
    });
  }
}

function syncDevice(sims: Sims, provider: ProviderId, user: string, at: Date) {
  if (provider === 'fitbit') sims.google.syncDevice(user, at);
  else if (provider === 'withings') sims.withings.syncDevice(user, at);
  else sims.polar.syncDevice(user, at);
}

const column = async (db: Knex, table: string, connectionId: number, name: string, where: object = {}) =>
  (
    (await db(table)
      .where({ connection_id: connectionId, ...where })
      .orderBy([name])
      .select(name)) as Record<string, unknown>[]
  ).map((r) => {
    const v = r[name];
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    return typeof v === 'string' && /^-?\d+\.\d+$/.test(v) ? Number(v) : v;
  });

/** What a connection holds of days 0…last, read back in the vendor's terms. */
async function held(db: Knex, provider: ProviderId, connectionId: number) {
  if (provider === 'fitbit') {
    return {
      bpm: await column(db, 'heart_rate', connectionId, 'bpm'),
      steps: await column(db, 'steps', connectionId, 'steps'),
    };
  }
  if (provider === 'withings') {
    return {
      weight: await column(db, 'body_measurements', connectionId, 'weight_kg'),
      nights: await column(db, 'sleep_sessions', connectionId, 'local_date'),
      sleepBpm: await column(db, 'heart_rate', connectionId, 'bpm', { context: 'sleep' }),
      days: await column(db, 'daily_activity', connectionId, 'steps'),
      workouts: await column(db, 'exercises', connectionId, 'exercise_id'),
    };
  }
  return {
    bpm: await column(db, 'heart_rate', connectionId, 'bpm', { context: 'continuous' }),
    nights: await column(db, 'sleep_sessions', connectionId, 'local_date'),
    days: await column(db, 'daily_activity', connectionId, 'steps'),
    steps: await column(db, 'steps', connectionId, 'steps'),
    hrv: await column(db, 'daily_vitals', connectionId, 'hrv_rmssd_ms'),
    load: await column(db, 'daily_activity', connectionId, 'cardio_load_trimp'),
    spo2: await column(db, 'spo2', connectionId, 'spo2_pct'),
  };
}

function expected(provider: ProviderId, last: number) {
  const days = Array.from({ length: last + 1 }, (_, d) => d);
  if (provider === 'fitbit') return { bpm: days.map((d) => 60 + d), steps: days.map((d) => 100 + d) };
  if (provider === 'withings') {
    return {
      weight: days.map((d) => 70 + d / 10),
      nights: days.map(dateOf),
      sleepBpm: days.map((d) => 50 + d),
      days: days.map((d) => 2000 + d),
      workouts: days.map((d) => String(700 + d)),
    };
  }
  return {
    bpm: days.map((d) => 60 + d),
    nights: days.map(dateOf),
    days: days.map((d) => 1000 + d),
    steps: days.map((d) => 1000 + d),
    hrv: days.map((d) => 30 + d),
    load: days.map((d) => 10 + d),
    spo2: days.map((d) => 60 + d),
  };
}

describe('a device that syncs late', () => {
  const cases = (['fitbit', 'withings', 'polar'] as const).flatMap((provider) =>
    [5, 10, 30].map((late) => ({ provider, late }))
  );
  simTest.for(cases)(
    '$provider, $late days late: every row arrives, exactly once',
    async ({ provider, late }, { sims, db, clock }) => {
      clock.set(T0);
      const { connectionId } = await sims.wearables.connected(provider);
      const user = (
        (await db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
          external_user_id: string;
        }
      ).external_user_id;
      const deps = pullDeps(sims.wearables, clock);
      const pull = async () => {
        const plan: PullPlan = {
          mode: 'sync',
          to: clock(),
          rereadMs: 3 * DAY,
          backfillFrom: new Date(clock().getTime() - 30 * DAY),
        };
        const result = await pullConnection(deps, connectionId, plan);
        expect(result.errors).toEqual([]);
      };

      record(sims, provider, user, 0);
      syncDevice(sims, provider, user, new Date(T0.getTime() - 3600_000));
      await pull();
      expect(await held(db, provider, connectionId)).toEqual(expected(provider, 0));

      for (let d = 1; d <= late; d++) {
        clock.set(new Date(T0.getTime() + d * DAY));
        record(sims, provider, user, d);
        await pull();
      }
      // Nothing was uploaded, so nothing more is there.
      expect(await held(db, provider, connectionId)).toEqual(expected(provider, 0));

      clock.set(new Date(T0.getTime() + late * DAY + 2 * 3600_000));
      syncDevice(sims, provider, user, clock());
      await pull();
      expect(await held(db, provider, connectionId)).toEqual(expected(provider, late));
      clock.advance(3600_000);
      await pull();
      expect(await held(db, provider, connectionId)).toEqual(expected(provider, late));
    }
  );
});
