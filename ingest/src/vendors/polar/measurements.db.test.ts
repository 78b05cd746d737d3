import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { polarTest, type PolarSim } from '../../test/provider-simulators/harness.ts';
import { pullConnection, type PullPlan } from '../../wearables/pull.ts';
import {
  MEASUREMENT_DAYS,
  NO_WITHINGS_BODY_COLUMNS,
  parisPatient,
  pullDeps,
  rowsOf,
  snapshot,
} from '../../wearables/testing.ts';

/**
 * Polar's measurements beyond exercises, activity, heart rate and sleep, from the simulator's
 * documented shapes into exact rows: Nightly Recharge, cardio load, SleepWise, Elixir biosensing
 * (body and skin temperature, wrist ECG, SpO2 tests) and physical info.
 */

async function connectedPatient(sim: PolarSim, db: Knex, now: Date) {
  const patient = await parisPatient(sim.wearables, db, 'polar', now);
  return { ...patient, data: sim.data.recovery(patient.userId) };
}

const plan = MEASUREMENT_DAYS;
const epoch = (iso: string) => Date.parse(iso) / 1000;
const ECG_AT = epoch('2026-11-21T09:15:00Z');

const ecgTest = {
  source_device_id: 'C9B1E2F0',
  test_time: ECG_AT,
  time_zone_offset: 60,
  average_heart_rate_bpm: 64,
  heart_rate_variability_ms: 35.2,
  heart_rate_variability_level: 'ECG_HRV_LEVEL_USUAL',
  rri_ms: 937.5,
  samples: [
    { recording_time_delta_ms: 0, amplitude_mv: 0.12 },
    { recording_time_delta_ms: 8, amplitude_mv: 0.61 },
  ],
  quality_measurements: [{ recording_time_delta_ms: 0, quality_level: 'ECG_QUALITY_HIGH' }],
};

const NO_VITALS = {
  spo2_avg_pct: null,
  spo2_lower_pct: null,
  spo2_upper_pct: null,
  spo2_sd_pct: null,
  hrv_deep_sleep_rmssd_ms: null,
  hrv_entropy: null,
  non_rem_hr_bpm: null,
  skin_temperature_sd_30d_c: null,
  vo2max_ml_min_kg: null,
  cardio_fitness_level: null,
  vo2max_estimated: null,
};

describe('the Polar pull of every measurement', () => {
  polarTest(
    'writes each documented measurement into its table, and re-reading changes nothing',
    async ({ sim, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId, participantId, studyId, data } = await connectedPatient(sim, db, clock());
      data.recharges.set('2026-11-21', {
        polar_user: 'https://www.polaraccesslink.com/v3/users/1',
        date: '2026-11-21',
        heart_rate_avg: 58,
        beat_to_beat_avg: 1034,
        heart_rate_variability_avg: 41,
        breathing_rate_avg: 14.1,
        nightly_recharge_status: 4,
        ans_charge: 2.5,
        ans_charge_status: 3,
        hrv_samples: { '23:55': 38, '00:00': 44 },
        breathing_samples: { '23:55': 14, '00:00': 14.2 },
      });
      data.cardioLoads.set('2026-11-20', {
        date: '2026-11-20',
        cardio_load_status: 'PRODUCTIVE',
        cardio_load: 85.3,
        strain: 60.2,
        tolerance: 55.1,
        cardio_load_ratio: 1.09,
        cardio_load_level: { very_low: 20, low: 40, medium: 60, high: 80, 'very-high': 100 },
      });
      data.alertness.push({
        grade: 8.2,
        grade_validity_seconds: 57600,
        grade_type: 'GRADE_TYPE_PRIMARY',
        grade_classification: 'GRADE_CLASSIFICATION_STRONG',
        validity: 'VALIDITY_VALID',
        sleep_inertia: 'SLEEP_INERTIA_MILD',
        sleep_type: 'SLEEP_TYPE_PRIMARY',
        result_type: 'ALERTNESS_TYPE_HISTORY',
        period_start_time: '2026-11-21T06:10:00',
        period_end_time: '2026-11-21T21:40:00',
        sleep_period_start_time: '2026-11-20T22:30:00.5',
        sleep_period_end_time: '2026-11-21T06:09:30',
        sleep_timezone_offset_minutes: 60,
        hourly_data: [
          {
            validity: 'VALIDITY_VALID',
            alertness_level: 'ALERTNESS_LEVEL_HIGH',
            start_time: '2026-11-21T06:10:00',
            end_time: '2026-11-21T07:00:00',
          },
        ],
      });
      data.circadianBedtimes.push({
        validity: 'VALIDITY_ESTIMATE',
        quality: 'CIRCADIAN_BEDTIME_QUALITY_CLEARLY_RECOGNIZABLE',
        result_type: 'CIRCADIAN_BEDTIME_TYPE_HISTORY',
        period_start_time: '2026-11-20T22:15:00',
        period_end_time: '2026-11-21T06:15:00',
        preferred_sleep_period_start_time: '2026-11-20T22:15:00',
        preferred_sleep_period_end_time: '2026-11-21T06:15:00',
        sleep_gate_start_time: '2026-11-20T22:00:00',
        sleep_gate_end_time: '2026-11-20T22:30:00',
        sleep_timezone_offset_minutes: 60,
      });
      const period = (type: string, start: string, samples: [number, number][]) => ({
        source_device_id: 'C9B1E2F0',
        measurement_type: type,
        sensor_location: 'SL_DISTAL',
        start_time: start,
        end_time: start,
        modified_time: start,
        samples: samples.map(([c, ms]) => ({ temperature_celsius: c, recording_time_delta_milliseconds: ms })),
      });
      data.bodyTemperatures.push(
        period('TM_SKIN_TEMPERATURE', '2026-11-20T23:00:00', [
          [33.1, 0],
          [33.3, 60_000],
        ]),
        period('TM_CORE_TEMPERATURE', '2026-11-21T03:00:00', [[36.6, 0]]),
        // Neither the body's nor the skin's: not kept.
        period('TM_UNKNOWN', '2026-11-21T04:00:00', [[30, 0]])
      );
      data.skinTemperatures.push({
        sleep_date: '2026-11-21',
        sleep_time_skin_temperature_celsius: 33.4,
        deviation_from_baseline_celsius: -0.3,
      });
      data.ecgTests.push(ecgTest);
      const spo2 = { source_device_id: 'C9B1E2F0', time_zone_offset: 60, spo2_class: 'SPO2_CLASS_NORMAL' };
      data.spo2Tests.push(
        {
          ...spo2,
          test_time: epoch('2026-11-21T09:30:00Z'),
          test_status: 'SPO2_TEST_PASSED',
          blood_oxygen_percent: 97,
        },
        // Inconclusive: its number is no reading.
        {
          ...spo2,
          test_time: epoch('2026-11-21T09:40:00Z'),
          test_status: 'SPO2_TEST_INCONCLUSIVE_TOO_LOW_OVERALL_QUALITY',
          blood_oxygen_percent: 88,
        }
      );
      data.physicalInfo = {
        weight: 71.4,
        height: 178.5,
        created: '2026-01-05T10:00:00Z',
        modified: '2026-11-19T18:00:00Z',
        birthday: '1961-04-02',
        gender: 'FEMALE',
        maximum_heart_rate: 168,
        resting_heart_rate: 52,
        aerobic_threshold: 118,
        anaerobic_threshold: 151,
        vo2_max: 37,
        weight_source: 'SOURCE_MEASURED',
      };
      const deps = pullDeps(sim.wearables, clock);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);

      // 23:55 is the evening before the recharge's date; Paris is UTC+1.
      expect(await rowsOf(db, 'hrv', connectionId, ['measured_at'])).toEqual([
        {
          source: 'polar',
          device: null,
          measured_at: new Date('2026-11-20T22:55:00Z'),
          utc_offset_min: 60,
          rmssd_ms: 38,
          sdnn_ms: null,
        },
        {
          source: 'polar',
          device: null,
          measured_at: new Date('2026-11-20T23:00:00Z'),
          utc_offset_min: 60,
          rmssd_ms: 44,
          sdnn_ms: null,
        },
      ]);
      const breathing = { source: 'polar', device: null, utc_offset_min: 60 };
      const NO_STAGE_RATES = {
        deep_sleep_breaths_per_min: null,
        light_sleep_breaths_per_min: null,
        rem_sleep_breaths_per_min: null,
      };
      expect(await rowsOf(db, 'respiratory_rate', connectionId, ['measured_at'])).toEqual([
        { ...breathing, ...NO_STAGE_RATES, measured_at: new Date('2026-11-20T22:55:00Z'), breaths_per_min: 14 },
        { ...breathing, ...NO_STAGE_RATES, measured_at: new Date('2026-11-20T23:00:00Z'), breaths_per_min: 14.2 },
      ]);
      // The recharge and the night's skin temperature share the day's row; 33.4 - (-0.3) = 33.7.
      expect(await rowsOf(db, 'daily_vitals', connectionId, ['local_date'])).toEqual([
        {
          ...NO_VITALS,
          source: 'polar',
          device: null,
          local_date: new Date('2026-11-21T00:00:00Z'),
          entry: 'device',
          breaths_per_min: 14.1,
          hrv_rmssd_ms: 41,
          skin_temperature_c: 33.4,
          skin_temperature_baseline_c: 33.7,
          ans_charge: 2.5,
          ans_charge_status: 3,
          nightly_recharge_status: 4,
          recharge_hr_avg_bpm: 58,
          recharge_beat_interval_avg_ms: 1034,
        },
      ]);
      // 21 November had no load ("LOAD_STATUS_NOT_AVAILABLE"): no row.
      expect(await rowsOf(db, 'daily_activity', connectionId, ['local_date'])).toEqual([
        {
          source: 'polar',
          device: null,
          local_date: new Date('2026-11-20T00:00:00Z'),
          steps: null,
          active_duration_s: null,
          calories_kcal: null,
          distance_m: null,
          fat_burn_azm: null,
          cardio_azm: null,
          peak_azm: null,
          cardio_load_trimp: 85.3,
          cardio_load_strain: 60.2,
          cardio_load_tolerance: 55.1,
          cardio_load_ratio: 1.09,
          cardio_load_status: 'PRODUCTIVE',
        },
      ]);
      const wise = { source: 'polar', device: null, utc_offset_min: 60, entry: 'device' };
      expect(await rowsOf(db, 'sleepwise_periods', connectionId, ['kind'])).toEqual([
        {
          ...wise,
          kind: 'alertness',
          start_at: new Date('2026-11-21T06:10:00Z'),
          end_at: new Date('2026-11-21T21:40:00Z'),
          result_type: 'history',
          validity: 'VALIDITY_VALID',
          grade: 8.2,
          grade_classification: 'GRADE_CLASSIFICATION_STRONG',
          grade_type: 'GRADE_TYPE_PRIMARY',
          grade_validity_s: 57600,
          sleep_inertia: 'SLEEP_INERTIA_MILD',
          sleep_type: 'SLEEP_TYPE_PRIMARY',
          sleep_start_at: new Date('2026-11-20T22:30:00.500Z'),
          sleep_end_at: new Date('2026-11-21T06:09:30Z'),
          hourly_levels: JSON.stringify([
            {
              start_at: '2026-11-21T06:10:00.000Z',
              end_at: '2026-11-21T07:00:00.000Z',
              level: 'ALERTNESS_LEVEL_HIGH',
              validity: 'VALIDITY_VALID',
            },
          ]),
          quality: null,
          preferred_sleep_start_at: null,
          preferred_sleep_end_at: null,
          sleep_gate_start_at: null,
          sleep_gate_end_at: null,
        },
        {
          ...wise,
          kind: 'circadian_bedtime',
          start_at: new Date('2026-11-20T22:15:00Z'),
          end_at: new Date('2026-11-21T06:15:00Z'),
          result_type: 'history',
          validity: 'VALIDITY_ESTIMATE',
          grade: null,
          grade_classification: null,
          grade_type: null,
          grade_validity_s: null,
          sleep_inertia: null,
          sleep_type: null,
          sleep_start_at: null,
          sleep_end_at: null,
          hourly_levels: null,
          quality: 'CIRCADIAN_BEDTIME_QUALITY_CLEARLY_RECOGNIZABLE',
          preferred_sleep_start_at: new Date('2026-11-20T22:15:00Z'),
          preferred_sleep_end_at: new Date('2026-11-21T06:15:00Z'),
          sleep_gate_start_at: new Date('2026-11-20T22:00:00Z'),
          sleep_gate_end_at: new Date('2026-11-20T22:30:00Z'),
        },
      ]);
      const body = {
        ...NO_WITHINGS_BODY_COLUMNS,
        source: 'polar',
        weight_kg: null,
        fat_ratio_pct: null,
        fat_mass_kg: null,
        systolic_mmhg: null,
        diastolic_mmhg: null,
        temperature_c: null,
        utc_offset_min: 60,
      };
      expect(await rowsOf(db, 'body_measurements', connectionId, ['measured_at'])).toEqual([
        // The profile as last changed (before the window: it has no range), the weight from a scale.
        {
          ...body,
          device: null,
          measured_at: new Date('2026-11-19T18:00:00Z'),
          weight_kg: 71.4,
          height_m: 1.785,
          vo2max_ml_min_kg: 37,
          entry: 'device',
        },
        {
          ...body,
          device: 'C9B1E2F0',
          measured_at: new Date('2026-11-20T23:00:00Z'),
          skin_temperature_c: 33.1,
          entry: 'device',
        },
        {
          ...body,
          device: 'C9B1E2F0',
          measured_at: new Date('2026-11-20T23:01:00Z'),
          skin_temperature_c: 33.3,
          entry: 'device',
        },
        {
          ...body,
          device: 'C9B1E2F0',
          measured_at: new Date('2026-11-21T03:00:00Z'),
          temperature_c: 36.6,
          entry: 'device',
        },
      ]);
      expect(await rowsOf(db, 'resting_heart_rate', connectionId, ['local_date'])).toEqual([
        { source: 'polar', device: null, local_date: new Date('2026-11-19T00:00:00Z'), bpm: 52 },
      ]);
      expect(await rowsOf(db, 'spo2', connectionId, ['measured_at'])).toEqual([
        {
          source: 'polar',
          device: 'C9B1E2F0',
          measured_at: new Date('2026-11-21T09:30:00Z'),
          utc_offset_min: 60,
          spo2_pct: 97,
          entry: 'device',
        },
      ]);
      const key = `study-${studyId}/wearables/${participantId}/polar-ecg/${ECG_AT}.json`;
      expect(await rowsOf(db, 'heart_rhythm', connectionId, ['recorded_at'])).toEqual([
        {
          source: 'polar',
          device: 'C9B1E2F0',
          method: 'ecg',
          recorded_at: new Date('2026-11-21T09:15:00Z'),
          utc_offset_min: 60,
          entry: 'device',
          afib_code: null,
          afib_class: null,
          heart_rate_bpm: 64,
          qrs_ms: null,
          pr_ms: null,
          qt_ms: null,
          qtc_ms: null,
          signal_id: null,
          sampling_frequency_hz: null,
          wear_position: null,
          signal_archive_key: key,
        },
      ]);
      // The whole test result, signal included, kept as Polar sent it.
      expect(JSON.parse((await deps.archive!.get(studyId, key)).toString('utf8'))).toEqual(ecgTest);
      // The device's latest data: the SpO2 test.
      expect(
        await db('device_status').where({ connection_id: connectionId, device_id: 'C9B1E2F0' }).first('last_sync_at')
      ).toEqual({ last_sync_at: new Date('2026-11-21T09:30:00Z') });

      const before = await snapshot(db, connectionId);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(await snapshot(db, connectionId)).toEqual(before);
    }
  );

  polarTest('keeps no default or estimated weight, and a typed-in one as manual', async ({ sim, db, clock }) => {
    clock.set(new Date('2026-11-22T12:00:00Z'));
    const { connectionId, data } = await connectedPatient(sim, db, clock());
    const profile = { height: 165, vo2_max: 31, created: '2026-11-20T08:00:00Z' };
    data.physicalInfo = { ...profile, weight: 70, weight_source: 'SOURCE_DEFAULT' };
    const deps = pullDeps(sim.wearables, clock);
    expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
    data.physicalInfo = { ...profile, weight: 64.2, weight_source: 'SOURCE_USER', modified: '2026-11-21T19:30:00Z' };
    expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
    expect(
      (await rowsOf(db, 'body_measurements', connectionId, ['measured_at'])).map((r) => [
        r.measured_at,
        r.weight_kg,
        r.height_m,
        r.vo2max_ml_min_kg,
        r.entry,
      ])
    ).toEqual([
      [new Date('2026-11-20T08:00:00Z'), null, 1.65, 31, null],
      [new Date('2026-11-21T19:30:00Z'), 64.2, 1.65, 31, 'manual'],
    ]);
  });

  polarTest(
    'a sync reads the nightly values twice a day and the spot tests at every pull',
    async ({ sim, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId, userId } = await connectedPatient(sim, db, clock());
      // Each upload brings the day's steps up to its last minute (local times, Paris): the upload horizon.
      const upload = (date: string, hhmm: string) => {
        sim.data.user(userId).activities = [
          {
            start_time: `${date}T00:00:00`,
            steps: 10,
            samples: {
              steps: { interval_ms: 60_000, total_steps: 10, samples: [{ steps: 10, timestamp: `${date}T${hhmm}` }] },
            },
          },
        ];
      };
      const deps = pullDeps(sim.wearables, clock);
      const sync = async () => {
        const plan: PullPlan = {
          mode: 'sync',
          to: clock(),
          rereadMs: 3 * 86_400_000,
          backfillFrom: new Date(clock().getTime() - 30 * 86_400_000),
        };
        expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      };
      const calls = () =>
        ['nightly-recharge-list', 'cardio-load-range', 'skin-temperature', 'physical-info', 'ecg', 'spo2'].map((r) =>
          sim.wearables.polar.count(r)
        );

      // The first sync reads the 30 days back (two windows of each range type).
      upload('2026-11-22', '12:00');
      await sync();
      let before = calls();
      const since = () => {
        const now = calls();
        const made = now.map((n, i) => n - before[i]!);
        before = now;
        return made;
      };
      // Two hours on, another upload: only the spot tests are read again.
      clock.set(new Date('2026-11-22T14:00:00Z'));
      upload('2026-11-22', '14:30');
      await sync();
      expect(since()).toEqual([0, 0, 0, 0, 1, 1]);
      // The next morning's upload, over 12 hours past the nightly cursors (11:01 UTC): everything.
      clock.set(new Date('2026-11-23T07:00:00Z'));
      upload('2026-11-23', '07:30');
      await sync();
      expect(since()).toEqual([1, 1, 1, 1, 1, 1]);
    }
  );
});
