import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { polarData } from '../test/provider-simulators/polar-data.ts';
import { startWearablesHarness, type WearablesHarness } from '../test/provider-simulators/harness.ts';
import { withingsData } from '../test/provider-simulators/withings-data.ts';
import { test } from '../test/fixtures.ts';
import { pullConnection, type PullPlan } from './pull.ts';
import { NO_WITHINGS_BODY_COLUMNS, pullDeps, rowsOf, snapshot } from './testing.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(`/work/shared/fixtures/withings/${name}.json`, 'utf8')) as { body: Record<string, unknown> };

type Sims = {
  wearables: WearablesHarness;
  withings: ReturnType<typeof withingsData>;
  polar: ReturnType<typeof polarData>;
};
const simTest = test.extend<{ sims: Sims }>({
  sims: async ({ db, clock, vault, archiveStore }, use) => {
    const withings = withingsData();
    const polar = polarData();
    const wearables = await startWearablesHarness({
      db,
      clock,
      vault,
      archiveStore,
      sims: {
        withings: {
          extend: withings.extend,
          devices: () => [
            {
              type: 'Scale',
              model: 'Body Cardio',
              model_id: 6,
              battery: 'low',
              deviceid: 'bc-1',
              timezone: 'America/Los_Angeles',
              last_session_date: 1435500000,
            },
          ],
        },
        polar: { extend: polar.extend },
      },
    });
    await use({ wearables, withings, polar });
    await wearables.close();
  },
});

const userOf = async (sims: Sims, db: Parameters<typeof rowsOf>[0], id: number) =>
  ((await db('device_connections').where({ id }).first('external_user_id')) as { external_user_id: string })
    .external_user_id;

describe('the Withings pull', () => {
  simTest(
    'turns the recorded measure, sleep summary and detail shapes into exact rows, paging with offset',
    async ({ sims, db, clock }) => {
      clock.set(new Date('2015-06-29T12:00:00Z'));
      const { connectionId } = await sims.wearables.connected('withings');
      const u = sims.withings.user(await userOf(sims, db, connectionId));
      u.timezone = 'America/Los_Angeles';
      u.measuregrps = fixture('withings-body-measures').body.measuregrps as typeof u.measuregrps;
      u.nights = [
        {
          id: 123,
          timezone: 'Europe/London',
          model: 16,
          startdate: 1435358700,
          enddate: 1435370100,
          date: '2015-06-27',
          data: { wakeupduration: 600, lightsleepduration: 3360, deepsleepduration: 7800, sleep_score: 71 },
        },
      ];
      u.segments = [
        {
          startdate: 1435358700,
          enddate: 1435359600,
          state: 0,
          model: 'Sleep Analyzer',
          hr: { '1435358700': 61 },
          rr: { '1435358700': 14 },
        },
        { startdate: 1435359600, enddate: 1435370100, state: 2 },
      ];
      sims.withings.pageSize = 2;
      const deps = pullDeps(sims.wearables, clock);
      const plan: PullPlan = {
        mode: 'range',
        from: new Date('2015-02-20T00:00:00Z'),
        to: new Date('2015-06-29T00:00:00Z'),
      };
      const result = await pullConnection(deps, connectionId, plan);
      expect(result.errors).toEqual([]);

      const body = (at: number, values: Record<string, number | string>) => ({
        source: 'withings',
        device: null,
        measured_at: new Date(at * 1000),
        utc_offset_min: -420,
        weight_kg: null,
        fat_ratio_pct: null,
        fat_mass_kg: null,
        systolic_mmhg: null,
        diastolic_mmhg: null,
        temperature_c: null,
        ...NO_WITHINGS_BODY_COLUMNS,
        entry: 'device',
        ...values,
      });
      expect(await rowsOf(db, 'body_measurements', connectionId, ['measured_at'])).toEqual([
        // Entered by hand (attrib 2): a height and a temperature.
        { ...body(1424719489, { temperature_c: 37, height_m: 1.93, entry: 'manual' }), utc_offset_min: -480 },
        body(1429550036, { weight_kg: 74.128 }),
        body(1433052383, { diastolic_mmhg: 68, systolic_mmhg: 104, weight_kg: 74.126 }),
      ]);
      const spot = (at: number, bpm: number, offset: number, entry = 'device') => ({
        source: 'withings',
        device: null,
        context: 'spot',
        measured_at: new Date(at * 1000),
        utc_offset_min: offset,
        bpm,
        entry,
      });
      const sleepHr = {
        source: 'withings',
        device: 'Sleep Analyzer',
        context: 'sleep',
        measured_at: new Date(1435358700_000),
        utc_offset_min: 60,
        bpm: 61,
        entry: null,
      };
      expect(await rowsOf(db, 'heart_rate', connectionId, ['measured_at'])).toEqual([
        spot(1424987837, 47, -480, 'manual'),
        spot(1425313735, 51, -480, 'manual'),
        spot(1433052383, 41, -420),
        sleepHr,
      ]);
      expect(await rowsOf(db, 'respiratory_rate', connectionId, ['measured_at'])).toEqual([
        {
          source: 'withings',
          device: 'Sleep Analyzer',
          measured_at: new Date(1435358700_000),
          utc_offset_min: 60,
          breaths_per_min: 14,
          // The per-stage rates are Fitbit's (the sleep respiratory summary).
          deep_sleep_breaths_per_min: null,
          light_sleep_breaths_per_min: null,
          rem_sleep_breaths_per_min: null,
        },
      ]);
      expect(await rowsOf(db, 'sleep_sessions', connectionId, ['start_at'])).toEqual([
        expect.objectContaining({
          session_id: '123',
          device: '16',
          start_at: new Date(1435358700_000),
          end_at: new Date(1435370100_000),
          utc_offset_min: 60,
          asleep_s: 11160,
          awake_s: 600,
          light_s: 3360,
          deep_s: 7800,
          rem_s: null,
          score: 71,
        }),
      ]);
      expect(await rowsOf(db, 'sleep_stages', connectionId, ['start_at'])).toEqual([
        {
          session_id: '123',
          start_at: new Date(1435358700_000),
          end_at: new Date(1435359600_000),
          utc_offset_min: 60,
          stage: 'awake',
        },
        {
          session_id: '123',
          start_at: new Date(1435359600_000),
          end_at: new Date(1435370100_000),
          utc_offset_min: 60,
          stage: 'deep',
        },
      ]);
      expect(await rowsOf(db, 'device_status', connectionId, ['device_id'])).toEqual([
        expect.objectContaining({
          device_id: 'bc-1',
          model: 'Body Cardio',
          device_type: 'Scale',
          battery_status: 'low',
          battery_pct: null,
          last_sync_at: new Date(1435500000_000),
        }),
      ]);
      // 129 days in 90-day windows: four groups at two per page in the first, one in the second.
      expect(sims.wearables.withings.count('measure:getmeas')).toBe(3);
      // Over 120 calls: the app-wide budget (84 a minute planned) waited for the window to move on.
      expect(deps.slept.length).toBeGreaterThan(0);
      expect(deps.budgets.stats()['withings:app']?.peak).toBeLessThanOrEqual(84);
      // Sleep detail is read in 24-hour windows across the whole range.
      expect(sims.wearables.withings.count('sleep:get')).toBe(129);

      const before = await snapshot(db, connectionId);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(await snapshot(db, connectionId)).toEqual(before);
    }
  );
  simTest(
    'reads nights from an external source, whose stage durations are null, without failing the window',
    async ({ sims, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId } = await sims.wearables.connected('withings');
      const u = sims.withings.user(await userOf(sims, db, connectionId));
      const night = (id: number, date: string, start: number, data: Record<string, number | null>) => ({
        id,
        timezone: 'Europe/Paris',
        model: 32,
        startdate: start,
        enddate: start + 28_800,
        date,
        data,
      });
      // As §4.4.6 gives them: an external night carries asleepduration and null stages; a night
      // with nothing measured but time in bed leaves every sleep figure unknown, not zero.
      u.nights = [
        night(1, '2026-11-20', 1763593200, {
          asleepduration: 25_200,
          lightsleepduration: null,
          deepsleepduration: null,
          remsleepduration: null,
          wakeupduration: 900,
          sleep_score: null,
        }),
        night(2, '2026-11-21', 1763679600, {
          total_timeinbed: 28_800,
          lightsleepduration: null,
          deepsleepduration: null,
          remsleepduration: null,
        }),
      ];
      const deps = pullDeps(sims.wearables, clock);
      const plan: PullPlan = {
        mode: 'range',
        from: new Date('2026-11-19T00:00:00Z'),
        to: new Date('2026-11-22T00:00:00Z'),
      };
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(await rowsOf(db, 'sleep_sessions', connectionId, ['start_at'])).toEqual([
        expect.objectContaining({
          session_id: '1',
          asleep_s: 25_200,
          awake_s: 900,
          light_s: null,
          deep_s: null,
          rem_s: null,
          score: null,
        }),
        expect.objectContaining({
          session_id: '2',
          asleep_s: null,
          awake_s: null,
          light_s: null,
          deep_s: null,
          rem_s: null,
        }),
      ]);
    }
  );
});

describe('the Polar pull', () => {
  simTest(
    'reads exercises with samples and zones, activity, continuous HR and sleep into exact rows',
    async ({ sims, db, clock }) => {
      const { connectionId, participantId } = await sims.wearables.connected('polar');
      const study = (await db('participants').where({ id: participantId }).first('study_id')) as { study_id: number };
      await db('studies').where({ id: study.study_id }).update({ timezone: 'Europe/Helsinki' });
      const u = sims.polar.user(await userOf(sims, db, connectionId));
      u.exercises = [
        {
          id: '2AC312F',
          upload_time: '2026-11-20T10:40:02.000Z',
          device: 'Polar M400',
          device_id: '1111AAAA',
          start_time: '2026-11-20T10:40:02',
          start_time_utc_offset: 120,
          duration: 'PT15S',
          calories: 530,
          distance: 1600,
          heart_rate: { average: 129, maximum: 147 },
          sport: 'OTHER',
          heart_rate_zones: [{ index: 1, 'lower-limit': 110, 'upper-limit': 130, 'in-zone': 'PT4S' }],
          samples: [
            { 'recording-rate': 5, 'sample-type': '0', data: '100,null,102' },
            { 'recording-rate': 5, 'sample-type': '1', data: '7,8,9' },
          ],
        },
      ];
      u.activities = [
        {
          start_time: '2026-11-20T00:00:00',
          end_time: '2026-11-20T23:59:59',
          active_duration: 'PT3H11M',
          calories: 2500,
          steps: 8823,
          distance_from_steps: 4590.53,
          samples: {
            date: '2026-11-20',
            steps: {
              interval_ms: 60000,
              total_steps: 8823,
              samples: [
                { steps: 12, timestamp: '2026-11-20T00:02' },
                { steps: 0, timestamp: '2026-11-20T00:03' },
              ],
            },
          },
        },
      ];
      u.continuousHr.set('2026-11-20', {
        polar_user: 'x',
        date: '2026-11-20',
        heart_rate_samples: [{ heart_rate: 63, sample_time: '00:02:08' }],
      });
      u.sleep.set('2026-11-20', {
        polar_user: 'x',
        date: '2026-11-20',
        sleep_start_time: '2026-11-19T23:50:00+02:00',
        sleep_end_time: '2026-11-20T07:00:00+02:00',
        device_id: '1111AAAA',
        light_sleep: 1000,
        deep_sleep: 2000,
        rem_sleep: 3000,
        unrecognized_sleep_stage: 0,
        total_interruption_duration: 400,
        sleep_score: 80,
        hypnogram: { '23:50': 2, '00:30': 4, '06:00': 0 },
        heart_rate_samples: { '00:41': 56 },
      });
      const deps = pullDeps(sims.wearables, clock);
      const plan: PullPlan = {
        mode: 'range',
        from: new Date('2026-10-01T00:00:00Z'),
        to: new Date('2026-11-21T00:00:00Z'),
      };
      const result = await pullConnection(deps, connectionId, plan);
      expect(result.errors).toEqual([]);

      expect(await rowsOf(db, 'exercises', connectionId, ['start_at'])).toEqual([
        {
          source: 'polar',
          device: 'Polar M400',
          exercise_id: '2AC312F',
          start_at: new Date('2026-11-20T08:40:02Z'),
          utc_offset_min: 120,
          duration_s: 15,
          sport: 'OTHER',
          calories_kcal: 530,
          distance_m: 1600,
          hr_avg_bpm: 129,
          hr_max_bpm: 147,
          hr_zones: JSON.stringify([{ index: 1, lower_bpm: 110, upper_bpm: 130, in_zone_s: 4 }]),
          entry: null,
        },
      ]);
      const hr = (context: string, at: string, bpm: number, offset: number, device: string | null) => ({
        source: 'polar',
        device,
        context,
        measured_at: new Date(at),
        utc_offset_min: offset,
        bpm,
        entry: null,
      });
      expect(await rowsOf(db, 'heart_rate', connectionId, ['measured_at', 'context'])).toEqual([
        hr('continuous', '2026-11-19T22:02:08Z', 63, 120, null),
        hr('sleep', '2026-11-19T22:41:00Z', 56, 120, '1111AAAA'),
        hr('exercise', '2026-11-20T08:40:02Z', 100, 120, 'Polar M400'),
        hr('exercise', '2026-11-20T08:40:12Z', 102, 120, 'Polar M400'),
      ]);
      expect(await rowsOf(db, 'steps', connectionId, ['start_at'])).toEqual([
        {
          source: 'polar',
          device: null,
          start_at: new Date('2026-11-19T22:02:00Z'),
          end_at: new Date('2026-11-19T22:03:00Z'),
          utc_offset_min: 120,
          steps: 12,
          entry: null,
        },
      ]);
      expect(await rowsOf(db, 'daily_activity', connectionId, ['local_date'])).toEqual([
        expect.objectContaining({ steps: 8823, active_duration_s: 11460, calories_kcal: 2500, distance_m: 4590.53 }),
      ]);
      expect(await rowsOf(db, 'sleep_stages', connectionId, ['start_at'])).toEqual([
        {
          session_id: '2026-11-20',
          start_at: new Date('2026-11-19T21:50:00Z'),
          end_at: new Date('2026-11-19T22:30:00Z'),
          utc_offset_min: 120,
          stage: 'light',
        },
        {
          session_id: '2026-11-20',
          start_at: new Date('2026-11-19T22:30:00Z'),
          end_at: new Date('2026-11-20T04:00:00Z'),
          utc_offset_min: 120,
          stage: 'deep',
        },
        {
          session_id: '2026-11-20',
          start_at: new Date('2026-11-20T04:00:00Z'),
          end_at: new Date('2026-11-20T05:00:00Z'),
          utc_offset_min: 120,
          stage: 'awake',
        },
      ]);
      expect(await rowsOf(db, 'sleep_sessions', connectionId, ['start_at'])).toEqual([
        expect.objectContaining({
          asleep_s: 6000,
          awake_s: 400,
          light_s: 1000,
          deep_s: 2000,
          rem_s: 3000,
          score: 80,
          utc_offset_min: 120,
        }),
      ]);
      // 51 days of activity in windows of at most 28 dates (Polar answers 400 beyond).
      expect(sims.wearables.polar.count('activities')).toBe(2);
      const devices = await rowsOf(db, 'device_status', connectionId, ['device_id']);
      expect(devices.find((d) => d.device_id === '1111AAAA')).toMatchObject({
        last_sync_at: new Date('2026-11-20T10:40:02Z'),
      });

      const before = await snapshot(db, connectionId);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(await snapshot(db, connectionId)).toEqual(before);
    }
  );

  simTest('puts back the minute steps Polar filtered out as repeats, to the day total', async ({ sims, db, clock }) => {
    clock.set(new Date('2026-11-22T12:00:00Z'));
    const { connectionId } = await sims.wearables.connected('polar');
    const u = sims.polar.user(await userOf(sims, db, connectionId));
    // The whole day's minute series as the watch counted it; the simulator drops repeats as Polar does.
    const counted: Record<string, number> = {
      '08:00': 20,
      '08:01': 20,
      '08:02': 20,
      '08:05': 7,
      '23:57': 15,
      '23:58': 15,
      '23:59': 15,
    };
    const minutes = Array.from({ length: 1440 }, (_, m): [string, number] => {
      const hm = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
      return [hm, counted[hm] ?? 0];
    });
    const total = minutes.reduce((sum, [, n]) => sum + n, 0);
    u.activities = [
      {
        start_time: '2026-11-20T00:00:00',
        end_time: '2026-11-20T23:59:59',
        steps: total,
        samples: {
          date: '2026-11-20',
          steps: {
            interval_ms: 60_000,
            total_steps: total,
            samples: minutes.map(([hm, steps]) => ({ steps, timestamp: `2026-11-20T${hm}` })),
          },
        },
      },
    ];
    const deps = pullDeps(sims.wearables, clock);
    const plan: PullPlan = {
      mode: 'range',
      from: new Date('2026-11-20T00:00:00Z'),
      to: new Date('2026-11-21T00:00:00Z'),
    };
    expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
    // The study's zone is UTC here: local minutes are UTC minutes.
    const rows = await rowsOf(db, 'steps', connectionId, ['start_at']);
    expect(rows.map((r) => [(r.start_at as Date).toISOString().slice(11, 16), r.steps])).toEqual(
      minutes.filter(([, n]) => n > 0)
    );
    expect(rows.reduce((sum, r) => sum + Number(r.steps), 0)).toBe(total);
  });

  simTest(
    'a range starting mid-day is read in windows Polar accepts (at most 28 dates each)',
    async ({ sims, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId } = await sims.wearables.connected('polar');
      const deps = pullDeps(sims.wearables, clock);
      const plan: PullPlan = {
        mode: 'range',
        from: new Date('2026-09-20T15:30:00Z'),
        to: new Date('2026-11-22T12:00:00Z'),
      };
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(sims.wearables.polar.count('activities')).toBe(3);
    }
  );
});
