import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { googleHealthTest, type GoogleHealthSim } from '../../test/provider-simulators/harness.ts';
import { pullConnection } from '../../wearables/pull.ts';
import {
  connectedPatient,
  MEASUREMENT_DAYS,
  NO_CARDIO_LOAD,
  NO_NIGHTLY_RECHARGE,
  NO_WITHINGS_BODY_COLUMNS,
  pullDeps,
  rowsOf,
  snapshot,
} from '../../wearables/testing.ts';

/**
 * Every Fitbit measurement beyond the first pulls, from the Google Health simulator's documented
 * shapes (google-health-api.md §3.7, §9.3) into exact rows: the sleep respiratory summary, the
 * daily respiratory rate, SpO2, HRV, skin temperature and VO2 max, VO2 max samples, body fat,
 * exercise sessions, and the trackers' daily steps, distance and active zone minutes; each with
 * `recordingMethod` as `entry`. A phone's points (Health Connect) are left out.
 */

const tracker = (recordingMethod: string) => ({
  platform: 'FITBIT',
  recordingMethod,
  device: { displayName: 'Charge 6' },
});
const phone = {
  platform: 'HEALTH_CONNECT',
  recordingMethod: 'PASSIVELY_MEASURED',
  device: { manufacturer: 'Google', formFactor: 'PHONE' },
};
/** The patient is in UTC+1. */
const OFFSET = '3600s';
const sample = (at: string) => ({ physicalTime: at, utcOffset: OFFSET });
const minute = (start: string) => ({
  startTime: start,
  endTime: new Date(Date.parse(start) + 60_000).toISOString().replace('.000Z', 'Z'),
  startUtcOffset: OFFSET,
  endUtcOffset: OFFSET,
});
const date = (iso: string) => {
  const [year, month, day] = iso.split('-').map(Number);
  return { year, month, day };
};

async function connectedUser(sim: GoogleHealthSim, db: Knex) {
  const { connectionId, userId: user } = await connectedPatient(sim.wearables, db, 'fitbit');
  return { connectionId, user };
}

/** A table's rows with the local date as written (DATE columns come back as local midnights). */
async function dailyRows(db: Knex, table: string, connectionId: number) {
  const rows = await rowsOf(db, table, connectionId, ['local_date']);
  const dates = (await db(table)
    .where({ connection_id: connectionId })
    .orderBy('local_date')
    .select(db.raw("DATE_FORMAT(local_date, '%Y-%m-%d') as d"))) as { d: string }[];
  return rows.map((r, i) => ({ ...r, local_date: dates[i]?.d }));
}

const plan = MEASUREMENT_DAYS;

describe('the Fitbit pull of every measurement', () => {
  googleHealthTest(
    'writes breathing, daily SpO2, HRV, skin temperature and VO2 max, body fat and exercise into exact rows',
    async ({ sim, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId, user } = await connectedUser(sim, db);
      const { data } = sim;
      data.put(user, 'respiratory-rate-sleep-summary', [
        {
          dataSource: tracker('DERIVED'),
          respiratoryRateSleepSummary: {
            sampleTime: sample('2026-11-20T06:12:00Z'),
            fullSleepStats: { breathsPerMinute: 15.2, signalToNoise: 9.1, standardDeviation: 0.8 },
            deepSleepStats: { breathsPerMinute: 14.1 },
            lightSleepStats: { breathsPerMinute: 15.4 },
            remSleepStats: { breathsPerMinute: 16.3 },
          },
        },
        {
          dataSource: phone,
          respiratoryRateSleepSummary: {
            sampleTime: sample('2026-11-21T06:00:00Z'),
            fullSleepStats: { breathsPerMinute: 13 },
          },
        },
      ]);
      const derived = tracker('DERIVED');
      data.put(user, 'daily-respiratory-rate', [
        { dataSource: derived, dailyRespiratoryRate: { date: date('2026-11-20'), breathsPerMinute: 15.2 } },
      ]);
      data.put(user, 'daily-oxygen-saturation', [
        {
          dataSource: derived,
          dailyOxygenSaturation: {
            date: date('2026-11-20'),
            averagePercentage: 95.8,
            lowerBoundPercentage: 93.2,
            upperBoundPercentage: 98,
            standardDeviationPercentage: 0.6,
          },
        },
      ]);
      data.put(user, 'daily-heart-rate-variability', [
        {
          dataSource: derived,
          dailyHeartRateVariability: {
            date: date('2026-11-20'),
            averageHeartRateVariabilityMilliseconds: 38.4,
            deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds: 41.2,
            entropy: 2.9,
            nonRemHeartRateBeatsPerMinute: '57',
          },
        },
      ]);
      data.put(user, 'daily-sleep-temperature-derivations', [
        {
          dataSource: derived,
          dailySleepTemperatureDerivations: {
            date: date('2026-11-20'),
            nightlyTemperatureCelsius: 34.1,
            baselineTemperatureCelsius: 34.4,
            relativeNightlyStddev30dCelsius: 0.3,
          },
        },
      ]);
      data.put(user, 'daily-vo2-max', [
        {
          dataSource: derived,
          dailyVo2Max: { date: date('2026-11-21'), vo2Max: 44.5, cardioFitnessLevel: 'GOOD', estimated: true },
        },
      ]);
      data.put(user, 'vo2-max', [
        {
          dataSource: tracker('ACTIVELY_MEASURED'),
          vo2Max: { vo2Max: 45.1, measurementMethod: 'FITBIT_RUN', sampleTime: sample('2026-11-21T07:35:00Z') },
        },
      ]);
      // Weighed and fat typed in at the same instant: one row of body measurements.
      data.put(user, 'weight', [
        {
          name: 'users/x/dataTypes/weight/dataPoints/w1',
          dataSource: { platform: 'FITBIT', recordingMethod: 'MANUAL' },
          weight: { weightGrams: 81250.0, sampleTime: sample('2026-11-20T06:30:00Z') },
        },
      ]);
      data.put(user, 'body-fat', [
        {
          name: 'users/x/dataTypes/body-fat/dataPoints/f1',
          dataSource: { platform: 'FITBIT', recordingMethod: 'MANUAL' },
          bodyFat: { percentage: 24.5, sampleTime: sample('2026-11-20T06:30:00Z') },
        },
      ]);
      data.put(user, 'exercise', [
        {
          name: 'users/x/dataTypes/exercise/dataPoints/run1',
          dataSource: tracker('ACTIVELY_MEASURED'),
          exercise: {
            displayName: 'Run',
            exerciseType: 'RUNNING',
            interval: {
              startTime: '2026-11-21T07:00:00Z',
              endTime: '2026-11-21T07:35:00Z',
              startUtcOffset: OFFSET,
              endUtcOffset: OFFSET,
              civilStartTime: { date: date('2026-11-21'), time: { hours: 8 } },
              civilEndTime: { date: date('2026-11-21'), time: { hours: 8, minutes: 35 } },
            },
            activeDuration: '1830s',
            metricsSummary: {
              caloriesKcal: 312.5,
              distanceMillimeters: 5012000,
              averageHeartRateBeatsPerMinute: '148',
              heartRateZoneDurations: {
                lightTime: '300s',
                moderateTime: '900s',
                vigorousTime: '600s',
                peakTime: '30s',
              },
            },
            exerciseEvents: [{ eventTime: '2026-11-21T07:00:00Z', eventUtcOffset: OFFSET, exerciseEventType: 'START' }],
            updateTime: '2026-11-21T07:40:00Z',
          },
        },
        {
          name: 'users/x/dataTypes/exercise/dataPoints/walk1',
          dataSource: { platform: 'FITBIT', recordingMethod: 'MANUAL' },
          exercise: {
            displayName: 'Walk',
            exerciseType: 'WALKING',
            interval: {
              startTime: '2026-11-20T17:00:00Z',
              endTime: '2026-11-20T17:30:00Z',
              startUtcOffset: OFFSET,
              endUtcOffset: OFFSET,
              civilStartTime: { date: date('2026-11-20'), time: { hours: 18 } },
              civilEndTime: { date: date('2026-11-20'), time: { hours: 18, minutes: 30 } },
            },
          },
        },
      ]);

      const deps = pullDeps(sim.wearables, clock);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);

      expect(await rowsOf(db, 'respiratory_rate', connectionId, ['measured_at'])).toEqual([
        {
          source: 'fitbit',
          device: 'Charge 6',
          measured_at: new Date('2026-11-20T06:12:00Z'),
          utc_offset_min: 60,
          breaths_per_min: 15.2,
          deep_sleep_breaths_per_min: 14.1,
          light_sleep_breaths_per_min: 15.4,
          rem_sleep_breaths_per_min: 16.3,
        },
      ]);
      const noVitals = {
        ...NO_NIGHTLY_RECHARGE,
        breaths_per_min: null,
        spo2_avg_pct: null,
        spo2_lower_pct: null,
        spo2_upper_pct: null,
        spo2_sd_pct: null,
        hrv_rmssd_ms: null,
        hrv_deep_sleep_rmssd_ms: null,
        hrv_entropy: null,
        non_rem_hr_bpm: null,
        skin_temperature_c: null,
        skin_temperature_baseline_c: null,
        skin_temperature_sd_30d_c: null,
        vo2max_ml_min_kg: null,
        cardio_fitness_level: null,
        vo2max_estimated: null,
      };
      expect(await dailyRows(db, 'daily_vitals', connectionId)).toEqual([
        {
          ...noVitals,
          source: 'fitbit',
          device: 'Charge 6',
          local_date: '2026-11-20',
          entry: 'device',
          breaths_per_min: 15.2,
          spo2_avg_pct: 95.8,
          spo2_lower_pct: 93.2,
          spo2_upper_pct: 98,
          spo2_sd_pct: 0.6,
          hrv_rmssd_ms: 38.4,
          hrv_deep_sleep_rmssd_ms: 41.2,
          hrv_entropy: 2.9,
          non_rem_hr_bpm: 57,
          skin_temperature_c: 34.1,
          skin_temperature_baseline_c: 34.4,
          skin_temperature_sd_30d_c: 0.3,
        },
        {
          ...noVitals,
          source: 'fitbit',
          device: 'Charge 6',
          local_date: '2026-11-21',
          entry: 'device',
          vo2max_ml_min_kg: 44.5,
          cardio_fitness_level: 'GOOD',
          vo2max_estimated: 1,
        },
      ]);
      const body = {
        source: 'fitbit',
        utc_offset_min: 60,
        weight_kg: null,
        fat_ratio_pct: null,
        fat_mass_kg: null,
        systolic_mmhg: null,
        diastolic_mmhg: null,
        temperature_c: null,
        ...NO_WITHINGS_BODY_COLUMNS,
      };
      expect(await rowsOf(db, 'body_measurements', connectionId, ['measured_at'])).toEqual([
        {
          ...body,
          device: null,
          measured_at: new Date('2026-11-20T06:30:00Z'),
          weight_kg: 81.25,
          fat_ratio_pct: 24.5,
          entry: 'manual',
        },
        {
          ...body,
          device: 'Charge 6',
          measured_at: new Date('2026-11-21T07:35:00Z'),
          vo2max_ml_min_kg: 45.1,
          entry: 'device',
        },
      ]);
      const rows = await rowsOf(db, 'exercises', connectionId, ['start_at']);
      expect(rows.map((r) => ({ ...r, hr_zones: JSON.parse(r.hr_zones as string) as unknown }))).toEqual([
        {
          source: 'fitbit',
          device: null,
          exercise_id: 'users/x/dataTypes/exercise/dataPoints/walk1',
          start_at: new Date('2026-11-20T17:00:00Z'),
          utc_offset_min: 60,
          duration_s: 1800,
          sport: 'walking',
          calories_kcal: null,
          distance_m: null,
          hr_avg_bpm: null,
          hr_max_bpm: null,
          hr_zones: [],
          entry: 'manual',
        },
        {
          source: 'fitbit',
          device: 'Charge 6',
          exercise_id: 'users/x/dataTypes/exercise/dataPoints/run1',
          start_at: new Date('2026-11-21T07:00:00Z'),
          utc_offset_min: 60,
          duration_s: 1830,
          sport: 'running',
          calories_kcal: 312.5,
          distance_m: 5012,
          hr_avg_bpm: 148,
          hr_max_bpm: null,
          hr_zones: [
            { index: 0, lower_bpm: null, upper_bpm: null, in_zone_s: 300 },
            { index: 1, lower_bpm: null, upper_bpm: null, in_zone_s: 900 },
            { index: 2, lower_bpm: null, upper_bpm: null, in_zone_s: 600 },
            { index: 3, lower_bpm: null, upper_bpm: null, in_zone_s: 30 },
          ],
          entry: 'device',
        },
      ]);
      // Exercise is read on civil time, a day wider each side: one page for the window.
      expect(sim.wearables.fitbit.count('list:exercise')).toBe(1);

      const before = await snapshot(db, connectionId);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(await snapshot(db, connectionId)).toEqual(before);
    }
  );

  googleHealthTest(
    'daily steps, distance and active zone minutes are the trackers’ roll-ups per local day, one call per type; active time their reconciled activity levels',
    async ({ sim, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId, user } = await connectedUser(sim, db);
      const { data } = sim;
      data.put(user, 'steps', [
        { dataSource: tracker('PASSIVELY_MEASURED'), steps: { count: '87', interval: minute('2026-11-20T14:31:00Z') } },
        { dataSource: tracker('PASSIVELY_MEASURED'), steps: { count: '12', interval: minute('2026-11-20T14:32:00Z') } },
        { dataSource: phone, steps: { count: '40', interval: minute('2026-11-20T14:31:00Z') } },
      ]);
      data.put(user, 'distance', [
        {
          dataSource: tracker('PASSIVELY_MEASURED'),
          distance: { millimeters: '65000', interval: minute('2026-11-20T14:31:00Z') },
        },
        // 00:30 local time: the next day for the patient.
        {
          dataSource: tracker('PASSIVELY_MEASURED'),
          distance: { millimeters: '1000', interval: minute('2026-11-20T23:30:00Z') },
        },
        { dataSource: phone, distance: { millimeters: '40000', interval: minute('2026-11-20T14:31:00Z') } },
      ]);
      const azm = (at: string, zone: string, n: string) => ({
        dataSource: tracker('DERIVED'),
        activeZoneMinutes: { activeZoneMinutes: n, heartRateZone: zone, interval: minute(at) },
      });
      data.put(user, 'active-zone-minutes', [
        azm('2026-11-20T14:31:00Z', 'FAT_BURN', '1'),
        azm('2026-11-20T14:32:00Z', 'CARDIO', '2'),
        azm('2026-11-20T14:33:00Z', 'PEAK', '2'),
        azm('2026-11-20T14:34:00Z', 'CARDIO', '2'),
      ]);

      const level = (source: Record<string, unknown>, type: string, interval: Record<string, unknown>) => ({
        dataSource: source,
        activityLevel: { activityLevelType: type, interval },
      });
      const watch = { ...tracker('DERIVED'), device: { displayName: 'Pixel Watch 3' } };
      data.put(user, 'activity-level', [
        level(tracker('DERIVED'), 'LIGHTLY_ACTIVE', minute('2026-11-20T14:31:00Z')),
        level(tracker('DERIVED'), 'LIGHTLY_ACTIVE', minute('2026-11-20T14:32:00Z')),
        level(tracker('DERIVED'), 'SEDENTARY', minute('2026-11-20T14:33:00Z')),
        // A second tracker worn the same minute: `list` would count it twice, the merged stream once.
        level(watch, 'LIGHTLY_ACTIVE', minute('2026-11-20T14:31:00Z')),
        level(tracker('DERIVED'), 'MODERATELY_ACTIVE', {
          ...minute('2026-11-20T15:00:00Z'),
          endTime: '2026-11-20T15:05:00Z',
        }),
        // Not a tracker: outside the `google-wearables` family.
        level(phone, 'VERY_ACTIVE', minute('2026-11-20T14:40:00Z')),
        // 00:30 local time: the next day for the patient, whose only other level is sedentary.
        level(tracker('DERIVED'), 'VERY_ACTIVE', minute('2026-11-20T23:30:00Z')),
        level(tracker('DERIVED'), 'SEDENTARY', minute('2026-11-21T10:00:00Z')),
      ]);

      const deps = pullDeps(sim.wearables, clock);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);

      // A roll-up merges the trackers' points: the day's total, with no device named. Active time:
      // 2 light minutes and 5 moderate ones on the 20th, one very active minute on the 21st.
      expect(await dailyRows(db, 'daily_activity', connectionId)).toEqual([
        {
          ...NO_CARDIO_LOAD,
          source: 'fitbit',
          device: null,
          local_date: '2026-11-20',
          steps: 99,
          active_duration_s: 420,
          calories_kcal: null,
          distance_m: 65,
          fat_burn_azm: 1,
          cardio_azm: 4,
          peak_azm: 2,
        },
        {
          ...NO_CARDIO_LOAD,
          source: 'fitbit',
          device: null,
          local_date: '2026-11-21',
          steps: null,
          active_duration_s: 60,
          calories_kcal: null,
          distance_m: 1,
          fat_burn_azm: null,
          cardio_azm: null,
          peak_azm: null,
        },
      ]);
      for (const type of ['steps', 'distance', 'active-zone-minutes'])
        expect(sim.wearables.fitbit.count(`dailyRollUp:${type}`)).toBe(1);
      expect(sim.wearables.fitbit.count('reconcile:activity-level')).toBe(1);
      expect(sim.wearables.fitbit.count('list:activity-level')).toBe(0);
    }
  );
});
