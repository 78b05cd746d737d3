import { describe, expect } from 'vitest';
import { googleHealthTest } from '../../test/provider-simulators/harness.ts';
import { pullConnection, type PullPlan } from '../../wearables/pull.ts';
import { NO_WITHINGS_BODY_COLUMNS, pullDeps, rowsOf, snapshot } from '../../wearables/testing.ts';

const fitbitDevice = { platform: 'FITBIT', recordingMethod: 'PASSIVELY_MEASURED', device: { displayName: 'Charge 6' } };
const phone = {
  platform: 'HEALTH_CONNECT',
  recordingMethod: 'PASSIVELY_MEASURED',
  device: { manufacturer: 'Google', formFactor: 'PHONE' },
};
const interval = (start: string, end: string, offset = '3600s') => ({
  startTime: start,
  endTime: end,
  startUtcOffset: offset,
  endUtcOffset: offset,
});
const sample = (at: string, offset = '3600s') => ({ physicalTime: at, utcOffset: offset });
const hr = (at: string, bpm: string) => ({
  dataSource: fitbitDevice,
  heartRate: { beatsPerMinute: bpm, sampleTime: sample(at) },
});

describe('the Fitbit (Google Health API) pull', () => {
  googleHealthTest(
    'writes exact unified rows, follows pages, splits ranges, and a re-run changes nothing',
    async ({ sim, db, clock }) => {
      const { wearables, data } = sim;
      const { connectionId } = await wearables.connected('fitbit');
      const user = (
        (await db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
          external_user_id: string;
        }
      ).external_user_id;
      data.pageCap = 2;
      data.put(user, 'steps', [
        {
          dataSource: fitbitDevice,
          steps: { count: '87', interval: interval('2026-11-20T14:31:00Z', '2026-11-20T14:32:00Z') },
        },
        {
          dataSource: fitbitDevice,
          steps: { count: '12', interval: interval('2026-11-20T14:32:00Z', '2026-11-20T14:33:00Z') },
        },
        {
          dataSource: phone,
          steps: { count: '40', interval: interval('2026-11-20T14:31:00Z', '2026-11-20T14:32:00Z') },
        },
      ]);
      data.put(user, 'heart-rate', [
        hr('2026-11-20T14:31:02Z', '64'),
        hr('2026-11-20T14:31:07Z', '66'),
        hr('2026-11-20T23:59:58Z', '58'),
        hr('2026-11-21T00:00:03Z', '57'),
        hr('2026-11-01T10:00:00Z', '71'),
      ]);
      data.put(user, 'daily-resting-heart-rate', [
        {
          dataSource: { platform: 'FITBIT', recordingMethod: 'DERIVED' },
          dailyRestingHeartRate: { date: { year: 2026, month: 11, day: 20 }, beatsPerMinute: '58' },
        },
      ]);
      data.put(user, 'sleep', [
        {
          name: 'users/x/dataTypes/sleep/dataPoints/8f0c',
          dataSource: { ...fitbitDevice, recordingMethod: 'DERIVED' },
          sleep: {
            type: 'STAGES',
            interval: interval('2026-11-19T22:48:30Z', '2026-11-20T06:12:00Z'),
            stages: [
              { type: 'LIGHT', ...interval('2026-11-19T22:48:30Z', '2026-11-19T23:05:00Z') },
              { type: 'DEEP', ...interval('2026-11-19T23:05:00Z', '2026-11-19T23:41:30Z') },
            ],
            summary: {
              minutesAsleep: '402',
              minutesAwake: '41',
              stagesSummary: [
                { type: 'DEEP', minutes: '71', count: '4' },
                { type: 'REM', minutes: '88', count: '6' },
                { type: 'LIGHT', minutes: '243', count: '25' },
              ],
            },
          },
        },
      ]);
      data.put(user, 'weight', [
        {
          name: 'users/x/dataTypes/weight/dataPoints/w1',
          dataSource: { platform: 'FITBIT', recordingMethod: 'MANUAL' },
          weight: { weightGrams: 81250.0, sampleTime: sample('2026-11-20T06:30:00Z') },
        },
      ]);
      data.put(user, 'oxygen-saturation', [
        {
          dataSource: fitbitDevice,
          oxygenSaturation: { percentage: 96.1, sampleTime: sample('2026-11-20T03:00:00Z') },
        },
      ]);
      data.put(user, 'heart-rate-variability', [
        {
          dataSource: fitbitDevice,
          heartRateVariability: {
            rootMeanSquareOfSuccessiveDifferencesMilliseconds: 42.5,
            standardDeviationMilliseconds: 55.25,
            sampleTime: sample('2026-11-20T03:05:00Z'),
          },
        },
      ]);

      const deps = pullDeps(wearables, clock);
      const plan: PullPlan = {
        mode: 'sync',
        to: clock(),
        rereadMs: 3 * 86_400_000,
        backfillFrom: new Date(clock().getTime() - 30 * 86_400_000),
      };
      const result = await pullConnection(deps, connectionId, plan);
      expect(result.errors).toEqual([]);

      expect(await rowsOf(db, 'steps', connectionId, ['start_at'])).toEqual([
        {
          source: 'fitbit',
          device: 'Charge 6',
          start_at: new Date('2026-11-20T14:31:00Z'),
          end_at: new Date('2026-11-20T14:32:00Z'),
          utc_offset_min: 60,
          steps: 87,
          entry: 'device',
        },
        {
          source: 'fitbit',
          device: 'Charge 6',
          start_at: new Date('2026-11-20T14:32:00Z'),
          end_at: new Date('2026-11-20T14:33:00Z'),
          utc_offset_min: 60,
          steps: 12,
          entry: 'device',
        },
      ]);
      const hrRow = (at: string, bpm: number) => ({
        source: 'fitbit',
        device: 'Charge 6',
        context: 'intraday',
        measured_at: new Date(at),
        utc_offset_min: 60,
        bpm,
        entry: 'device',
      });
      expect(await rowsOf(db, 'heart_rate', connectionId, ['measured_at'])).toEqual([
        hrRow('2026-11-01T10:00:00Z', 71),
        hrRow('2026-11-20T14:31:02Z', 64),
        hrRow('2026-11-20T14:31:07Z', 66),
        hrRow('2026-11-20T23:59:58Z', 58),
        hrRow('2026-11-21T00:00:03Z', 57),
      ]);
      expect(await rowsOf(db, 'resting_heart_rate', connectionId, ['local_date'])).toEqual([
        { source: 'fitbit', device: null, local_date: expect.anything() as unknown, bpm: 58 },
      ]);
      expect(await rowsOf(db, 'sleep_sessions', connectionId, ['start_at'])).toEqual([
        {
          source: 'fitbit',
          device: 'Charge 6',
          session_id: 'users/x/dataTypes/sleep/dataPoints/8f0c',
          start_at: new Date('2026-11-19T22:48:30Z'),
          end_at: new Date('2026-11-20T06:12:00Z'),
          utc_offset_min: 60,
          local_date: expect.anything() as unknown,
          asleep_s: 402 * 60,
          awake_s: 41 * 60,
          light_s: 243 * 60,
          deep_s: 71 * 60,
          rem_s: 88 * 60,
          score: null,
          entry: 'device',
        },
      ]);
      expect(await rowsOf(db, 'sleep_stages', connectionId, ['start_at'])).toEqual([
        {
          session_id: 'users/x/dataTypes/sleep/dataPoints/8f0c',
          start_at: new Date('2026-11-19T22:48:30Z'),
          end_at: new Date('2026-11-19T23:05:00Z'),
          utc_offset_min: 60,
          stage: 'light',
        },
        {
          session_id: 'users/x/dataTypes/sleep/dataPoints/8f0c',
          start_at: new Date('2026-11-19T23:05:00Z'),
          end_at: new Date('2026-11-19T23:41:30Z'),
          utc_offset_min: 60,
          stage: 'deep',
        },
      ]);
      expect(await rowsOf(db, 'body_measurements', connectionId, ['measured_at'])).toEqual([
        {
          source: 'fitbit',
          device: null,
          measured_at: new Date('2026-11-20T06:30:00Z'),
          utc_offset_min: 60,
          weight_kg: 81.25,
          fat_ratio_pct: null,
          fat_mass_kg: null,
          systolic_mmhg: null,
          diastolic_mmhg: null,
          temperature_c: null,
          ...NO_WITHINGS_BODY_COLUMNS,
          // Typed into the Fitbit app: recordingMethod MANUAL.
          entry: 'manual',
        },
      ]);
      expect(await rowsOf(db, 'spo2', connectionId, ['measured_at'])).toEqual([
        {
          source: 'fitbit',
          device: 'Charge 6',
          measured_at: new Date('2026-11-20T03:00:00Z'),
          utc_offset_min: 60,
          spo2_pct: 96.1,
          entry: 'device',
        },
      ]);
      expect(await rowsOf(db, 'hrv', connectionId, ['measured_at'])).toEqual([
        {
          source: 'fitbit',
          device: 'Charge 6',
          measured_at: new Date('2026-11-20T03:05:00Z'),
          utc_offset_min: 60,
          rmssd_ms: 42.5,
          sdnn_ms: 55.25,
        },
      ]);
      expect(await rowsOf(db, 'device_status', connectionId, ['device_id'])).toEqual([
        expect.objectContaining({
          device_id: '1234567',
          model: 'Charge 6',
          device_type: 'TRACKER',
          battery_pct: 54,
          battery_status: 'Medium',
          last_sync_at: new Date('2026-11-21T08:00:00Z'),
        }),
      ]);
      // The local dates are the patient's (UTC+1): the night ended on the 20th.
      const night = (await db('sleep_sessions')
        .where({ connection_id: connectionId })
        .first(db.raw('DATE_FORMAT(local_date, "%Y-%m-%d") as d'))) as { d: string };
      expect(night.d).toBe('2026-11-20');

      // 30 days of heart rate in windows of at most 14 days (the range limit), two pages in the last.
      expect(wearables.fitbit.count('list:heart-rate')).toBe(4);
      const health = (await db('wearable_sync_state').where({ connection_id: connectionId }).first()) as {
        last_device_sync_at: Date;
        last_success_at: Date | null;
      };
      expect(health.last_device_sync_at).toEqual(new Date('2026-11-21T08:00:00Z'));
      expect(health.last_success_at).toEqual(clock());

      const before = await snapshot(db, connectionId);
      const again = await pullConnection(deps, connectionId, plan);
      expect(again.errors).toEqual([]);
      expect(await snapshot(db, connectionId)).toEqual(before);
    }
  );

  googleHealthTest(
    'asks for the largest page the docs allow, so a busy day of heart rate is one call',
    async ({ sim, db, clock }) => {
      const { wearables, data } = sim;
      clock.set(new Date('2026-11-21T12:00:00Z'));
      const { connectionId } = await wearables.connected('fitbit');
      const user = (
        (await db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
          external_user_id: string;
        }
      ).external_user_id;
      // A sample every 20 s for a day: 4,320 points, three pages at the default size of 1,440.
      const day = Date.parse('2026-11-20T00:00:00Z');
      data.put(
        user,
        'heart-rate',
        Array.from({ length: 4320 }, (_, i) => hr(new Date(day + i * 20_000).toISOString(), String(60 + (i % 30))))
      );
      const deps = pullDeps(wearables, clock);
      const plan: PullPlan = { mode: 'range', from: new Date(day), to: new Date(day + 86_400_000) };
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(wearables.fitbit.count('list:heart-rate')).toBe(1);
      expect(await db('heart_rate').where({ connection_id: connectionId }).count({ n: '*' })).toEqual([{ n: 4320 }]);
    }
  );

  googleHealthTest(
    'retries 503 and 504 with backoff and jitter; a lasting outage is an error for that window only',
    async ({ sim, db, clock }) => {
      const { wearables, data } = sim;
      clock.set(new Date('2026-11-21T12:00:00Z'));
      const { connectionId } = await wearables.connected('fitbit');
      const user = (
        (await db('device_connections').where({ id: connectionId }).first('external_user_id')) as {
          external_user_id: string;
        }
      ).external_user_id;
      data.put(user, 'heart-rate', [hr('2026-11-20T10:00:00Z', '61')]);
      const unavailable = {
        status: 503,
        contentType: 'application/json',
        body: '{"error":{"code":503,"status":"UNAVAILABLE"}}',
      };
      const deadline = {
        status: 504,
        contentType: 'application/json',
        body: '{"error":{"code":504,"status":"DEADLINE_EXCEEDED"}}',
      };
      wearables.fitbit.failNext('api', unavailable);
      wearables.fitbit.failNext('api', deadline);
      const deps = pullDeps(wearables, clock);
      const plan: PullPlan = {
        mode: 'range',
        from: new Date('2026-11-20T00:00:00Z'),
        to: new Date('2026-11-21T00:00:00Z'),
      };
      const started = performance.now();
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      // Two waits: 250–500 ms, then 500–1,000 ms.
      expect(performance.now() - started).toBeGreaterThanOrEqual(750);
      expect(await db('heart_rate').where({ connection_id: connectionId }).count({ n: '*' })).toEqual([{ n: 1 }]);

      for (let i = 0; i < 4; i++) wearables.fitbit.failNext('api', unavailable);
      const outage = await pullConnection(deps, connectionId, plan);
      expect(outage.errors).toHaveLength(1);
      expect(outage.errors[0]).toContain('HTTP 503 (UNAVAILABLE)');
    }
  );
});
