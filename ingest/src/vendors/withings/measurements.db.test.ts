import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { withingsTest, type WithingsSim } from '../../test/provider-simulators/harness.ts';
import { pullConnection } from '../../wearables/pull.ts';
import {
  MEASUREMENT_DAYS,
  NO_CARDIO_LOAD,
  NO_WITHINGS_BODY_COLUMNS,
  parisPatient,
  pullDeps,
  rowsOf,
  snapshot,
} from '../../wearables/testing.ts';

/**
 * Every Withings measurement beyond the first pulls, from the simulator's documented shapes into
 * exact rows: each Getmeas type with its `attrib`, daily activity, workouts, intraday activity,
 * ECG recordings (classification in `heart_rhythm`, signal in the raw archive) and sleep HRV.
 */

/** Unix seconds, as Withings gives times. */
const at = (iso: string) => Date.parse(iso) / 1000;

async function connectedPatient(sim: WithingsSim, db: Knex, now: Date) {
  const { userId, ...patient } = await parisPatient(sim.wearables, db, 'withings', now);
  return { ...patient, user: sim.data.user(userId) };
}

const group = (iso: string, attrib: number, model: string | null, measures: [number, number, number][]) => ({
  grpid: at(iso),
  attrib,
  date: at(iso),
  created: at(iso),
  modified: at(iso),
  category: 1,
  ...(model && { deviceid: `${model}-1`, hash_deviceid: `${model}-1`, model }),
  measures: measures.map(([type, value, unit]) => ({ type, value, unit })),
});

/** Active zone minutes are Fitbit's. */
const NO_ZONE_MINUTES = { fat_burn_azm: null, cardio_azm: null, peak_azm: null };

const plan = MEASUREMENT_DAYS;

describe('the Withings pull of every measurement', () => {
  withingsTest(
    'writes each documented measure type into its column, with attrib as device, ambiguous or manual',
    async ({ sim, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId, user } = await connectedPatient(sim, db, clock());
      user.measuregrps = [
        group('2026-11-20T07:00:00Z', 0, 'Body Scan', [
          [1, 80500, -3],
          [5, 60100, -3],
          [6, 2530, -2],
          [8, 20400, -3],
          [76, 57200, -3],
          [77, 43100, -3],
          [88, 2900, -3],
          [91, 72, -1],
          [168, 18200, -3],
          [169, 24900, -3],
          [170, 8, 0],
          // Vascular age: no unit in the document, so never asked for (the simulator serves only what is).
          [155, 45, 0],
        ]),
        group('2026-11-20T08:00:00Z', 1, 'BPM Connect', [
          [10, 128, 0],
          [9, 82, 0],
          [11, 67, 0],
        ]),
        group('2026-11-20T09:00:00Z', 2, null, [
          [54, 97, 0],
          [71, 3680, -2],
          [73, 3410, -2],
          [4, 1750, -3],
        ]),
        group('2026-11-20T10:00:00Z', 8, 'ScanWatch', [[123, 412, -1]]),
        // The ECG intervals: QRS in seconds (scaled to ms), the others already in ms.
        group('2026-11-20T11:00:00Z', 0, 'Move ECG', [
          [130, 0, 0],
          [135, 96, -3],
          [136, 158, 0],
          [137, 384, 0],
          [138, 412, 0],
        ]),
        group('2026-11-20T12:00:00Z', 5, 'ScanWatch', [[139, 1, 0]]),
        // An attrib the document does not list is never taken as the patient's own reading.
        group('2026-11-20T13:00:00Z', 99, 'Body Scan', [[1, 81000, -3]]),
      ];
      const deps = pullDeps(sim.wearables, clock);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);

      const body = (iso: string, device: string | null, entry: string, values: Record<string, number>) => ({
        source: 'withings',
        device,
        measured_at: new Date(iso),
        utc_offset_min: 60,
        weight_kg: null,
        fat_ratio_pct: null,
        fat_mass_kg: null,
        systolic_mmhg: null,
        diastolic_mmhg: null,
        temperature_c: null,
        ...NO_WITHINGS_BODY_COLUMNS,
        entry,
        ...values,
      });
      expect(await rowsOf(db, 'body_measurements', connectionId, ['measured_at'])).toEqual([
        body('2026-11-20T07:00:00Z', 'Body Scan', 'device', {
          weight_kg: 80.5,
          fat_free_mass_kg: 60.1,
          fat_ratio_pct: 25.3,
          fat_mass_kg: 20.4,
          muscle_mass_kg: 57.2,
          hydration_kg: 43.1,
          bone_mass_kg: 2.9,
          pulse_wave_velocity_m_s: 7.2,
          extracellular_water_kg: 18.2,
          intracellular_water_kg: 24.9,
          visceral_fat_index: 8,
        }),
        body('2026-11-20T08:00:00Z', 'BPM Connect', 'ambiguous', { systolic_mmhg: 128, diastolic_mmhg: 82 }),
        body('2026-11-20T09:00:00Z', null, 'manual', { temperature_c: 36.8, skin_temperature_c: 34.1, height_m: 1.75 }),
        body('2026-11-20T10:00:00Z', 'ScanWatch', 'device', { vo2max_ml_min_kg: 41.2 }),
        body('2026-11-20T13:00:00Z', 'Body Scan', 'ambiguous', { weight_kg: 81 }),
      ]);
      expect(await rowsOf(db, 'heart_rate', connectionId, ['measured_at'])).toEqual([
        {
          source: 'withings',
          device: 'BPM Connect',
          context: 'spot',
          measured_at: new Date('2026-11-20T08:00:00Z'),
          utc_offset_min: 60,
          bpm: 67,
          entry: 'ambiguous',
        },
      ]);
      expect(await rowsOf(db, 'spo2', connectionId, ['measured_at'])).toEqual([
        {
          source: 'withings',
          device: null,
          measured_at: new Date('2026-11-20T09:00:00Z'),
          utc_offset_min: 60,
          spo2_pct: 97,
          entry: 'manual',
        },
      ]);
      const rhythm = {
        source: 'withings',
        utc_offset_min: 60,
        entry: 'device',
        afib_code: null,
        afib_class: null,
        heart_rate_bpm: null,
        qrs_ms: null,
        pr_ms: null,
        qt_ms: null,
        qtc_ms: null,
        signal_id: null,
        sampling_frequency_hz: null,
        wear_position: null,
        signal_archive_key: null,
      };
      expect(await rowsOf(db, 'heart_rhythm', connectionId, ['recorded_at'])).toEqual([
        {
          ...rhythm,
          device: 'Move ECG',
          method: 'ecg',
          recorded_at: new Date('2026-11-20T11:00:00Z'),
          afib_code: 0,
          afib_class: 'negative',
          qrs_ms: 96,
          pr_ms: 158,
          qt_ms: 384,
          qtc_ms: 412,
        },
        {
          ...rhythm,
          device: 'ScanWatch',
          method: 'ppg',
          recorded_at: new Date('2026-11-20T12:00:00Z'),
          afib_code: 1,
        },
      ]);
      expect(sim.wearables.withings.count('measure:getmeas')).toBe(1);
    }
  );

  withingsTest(
    'reads daily activity, workouts and the intraday series into the activity, exercise and minute tables',
    async ({ sim, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId, participantId, user } = await connectedPatient(sim, db, clock());
      user.activities = [
        {
          date: '2026-11-20',
          timezone: 'Europe/Paris',
          deviceid: 'sw-1',
          hash_deviceid: 'sw-1',
          brand: 1,
          is_tracker: true,
          modified: at('2026-11-21T06:00:00Z'),
          model: 'ScanWatch',
          modelid: 93,
          steps: 8543,
          distance: 6234.5,
          elevation: 25,
          soft: 2340,
          moderate: 1200,
          intense: 600,
          active: 1800,
          calories: 312.5,
          totalcalories: 2150.25,
          hr_average: 72,
        },
        // Steps the phone counted (brand 18, no tracker): kept, named by its model.
        {
          date: '2026-11-21',
          timezone: 'Europe/Paris',
          brand: 18,
          is_tracker: false,
          modified: at('2026-11-22T06:00:00Z'),
          model: 'Android step tracker',
          modelid: 1053,
          steps: 4100,
          totalcalories: 1890,
        },
      ];
      user.workouts = [
        {
          id: 9001,
          category: 2,
          timezone: 'Europe/Paris',
          model: 93,
          attrib: 7,
          startdate: at('2026-11-20T17:00:00Z'),
          enddate: at('2026-11-20T17:45:00Z'),
          date: '2026-11-20',
          modified: at('2026-11-20T18:00:00Z'),
          deviceid: 'sw-1',
          data: {
            calories: 410,
            distance: 7100,
            steps: 7000,
            hr_average: 151,
            hr_max: 176,
            hr_min: 98,
            hr_zone_0: 300,
            hr_zone_1: 900,
            hr_zone_2: 1200,
            hr_zone_3: 300,
            intensity: 50,
          },
        },
        {
          id: 9002,
          category: 16,
          timezone: 'Europe/Paris',
          attrib: 2,
          startdate: at('2026-11-21T07:00:00Z'),
          enddate: at('2026-11-21T07:30:00Z'),
          date: '2026-11-21',
          modified: at('2026-11-21T08:00:00Z'),
          data: { manual_calories: 150, manual_intensity: 40 },
        },
      ];
      const sample = (fields: Record<string, number>) => ({
        deviceid: 'sw-1',
        model: 'ScanWatch',
        model_id: 93,
        ...fields,
      });
      user.intraday = {
        [at('2026-11-20T10:00:00Z')]: sample({
          steps: 21,
          duration: 60,
          heart_rate: 72,
          calories: 1.2,
          spo2_auto: 96,
          rmssd: 41,
          sdnn1: 52,
        }),
        [at('2026-11-20T10:01:00Z')]: sample({ steps: 0, duration: 60, heart_rate: 75 }),
        [at('2026-11-20T10:02:00Z')]: sample({ heart_rate: 74 }),
      };
      const deps = pullDeps(sim.wearables, clock);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);

      expect(await rowsOf(db, 'daily_activity', connectionId, ['local_date'])).toEqual([
        {
          source: 'withings',
          device: 'ScanWatch',
          local_date: expect.any(Date) as unknown,
          steps: 8543,
          active_duration_s: 1800,
          calories_kcal: 2150.25,
          distance_m: 6234.5,
          ...NO_ZONE_MINUTES,
          ...NO_CARDIO_LOAD,
        },
        {
          source: 'withings',
          device: 'Android step tracker',
          local_date: expect.any(Date) as unknown,
          steps: 4100,
          active_duration_s: null,
          calories_kcal: 1890,
          distance_m: null,
          ...NO_ZONE_MINUTES,
          ...NO_CARDIO_LOAD,
        },
      ]);
      const dates = (await db('daily_activity')
        .where({ connection_id: connectionId })
        .orderBy('local_date')
        .select(db.raw("DATE_FORMAT(local_date, '%Y-%m-%d') as d"))) as { d: string }[];
      expect(dates.map((r) => r.d)).toEqual(['2026-11-20', '2026-11-21']);

      expect(await rowsOf(db, 'exercises', connectionId, ['start_at'])).toEqual([
        {
          source: 'withings',
          device: 'ScanWatch',
          exercise_id: '9001',
          start_at: new Date('2026-11-20T17:00:00Z'),
          utc_offset_min: 60,
          duration_s: 2700,
          sport: 'Run',
          calories_kcal: 410,
          distance_m: 7100,
          hr_avg_bpm: 151,
          hr_max_bpm: 176,
          hr_zones: JSON.stringify([
            { index: 0, lower_bpm: null, upper_bpm: null, in_zone_s: 300 },
            { index: 1, lower_bpm: null, upper_bpm: null, in_zone_s: 900 },
            { index: 2, lower_bpm: null, upper_bpm: null, in_zone_s: 1200 },
            { index: 3, lower_bpm: null, upper_bpm: null, in_zone_s: 300 },
          ]),
          entry: 'device',
        },
        {
          source: 'withings',
          device: null,
          exercise_id: '9002',
          start_at: new Date('2026-11-21T07:00:00Z'),
          utc_offset_min: 60,
          duration_s: 1800,
          sport: 'Lift weights',
          calories_kcal: 150,
          distance_m: null,
          hr_avg_bpm: null,
          hr_max_bpm: null,
          hr_zones: '[]',
          entry: 'manual',
        },
      ]);

      const stamp = { source: 'withings', device: 'ScanWatch', utc_offset_min: 60 };
      expect(await rowsOf(db, 'steps', connectionId, ['start_at'])).toEqual([
        {
          ...stamp,
          start_at: new Date('2026-11-20T10:00:00Z'),
          end_at: new Date('2026-11-20T10:01:00Z'),
          steps: 21,
          entry: null,
        },
        {
          ...stamp,
          start_at: new Date('2026-11-20T10:01:00Z'),
          end_at: new Date('2026-11-20T10:02:00Z'),
          steps: 0,
          entry: null,
        },
      ]);
      const hr = (iso: string, bpm: number) => ({
        ...stamp,
        context: 'intraday',
        measured_at: new Date(iso),
        bpm,
        entry: null,
      });
      expect(await rowsOf(db, 'heart_rate', connectionId, ['measured_at'])).toEqual([
        hr('2026-11-20T10:00:00Z', 72),
        hr('2026-11-20T10:01:00Z', 75),
        hr('2026-11-20T10:02:00Z', 74),
      ]);
      expect(
        await db('heart_rate_minutes')
          .where({ participant_id: participantId, source: 'withings' })
          .orderBy('minute')
          .select('minute', 'n', 'bpm_sum', 'bpm_min', 'bpm_max')
      ).toEqual([
        { minute: new Date('2026-11-20T10:00:00Z'), n: 1, bpm_sum: 72, bpm_min: 72, bpm_max: 72 },
        { minute: new Date('2026-11-20T10:01:00Z'), n: 1, bpm_sum: 75, bpm_min: 75, bpm_max: 75 },
        { minute: new Date('2026-11-20T10:02:00Z'), n: 1, bpm_sum: 74, bpm_min: 74, bpm_max: 74 },
      ]);
      expect(await rowsOf(db, 'spo2', connectionId, ['measured_at'])).toEqual([
        { ...stamp, measured_at: new Date('2026-11-20T10:00:00Z'), spo2_pct: 96, entry: null },
      ]);
      expect(await rowsOf(db, 'hrv', connectionId, ['measured_at'])).toEqual([
        { ...stamp, measured_at: new Date('2026-11-20T10:00:00Z'), rmssd_ms: 41, sdnn_ms: 52 },
      ]);
      // Intraday serves 24 h a call: one call per day of the range.
      expect(sim.wearables.withings.count('measure:getintradayactivity')).toBe(2);

      const before = await snapshot(db, connectionId);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(await snapshot(db, connectionId)).toEqual(before);
    }
  );

  withingsTest(
    'keeps each ECG’s classification in heart_rhythm and its signal, sealed, in the raw archive, fetched once',
    async ({ sim, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId, participantId, studyId, user } = await connectedPatient(sim, db, clock());
      user.heart = [
        {
          deviceid: 'ecg-1',
          model: 91,
          ecg: { signalid: 4001, afib: 0 },
          heart_rate: 72,
          timestamp: at('2026-11-20T11:00:00Z'),
          modified: at('2026-11-20T11:01:00Z'),
        },
        {
          deviceid: 'bpm-1',
          model: 44,
          ecg: { signalid: 4002, afib: 2 },
          bloodpressure: { diastole: 80, systole: 120 },
          heart_rate: 80,
          timestamp: at('2026-11-21T08:00:00Z'),
          modified: at('2026-11-21T08:01:00Z'),
        },
      ];
      user.signals = {
        '4001': { signal: [12, -40, 310, 25], sampling_frequency: 300, wearposition: 1, model: 91, heart_rate: 72 },
        '4002': { signal: [3, 8, -2], sampling_frequency: 500, wearposition: 3, model: 44, heart_rate: 80 },
      };
      // The same ECG's intervals, as Getmeas reports them at the recording's instant.
      user.measuregrps = [
        group('2026-11-20T11:00:00Z', 0, 'Move ECG', [
          [130, 0, 0],
          [135, 96, 0],
        ]),
      ];
      const deps = pullDeps(sim.wearables, clock);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);

      const key = (signal: number) => `study-${studyId}/wearables/${participantId}/withings-ecg/${signal}.json`;
      const ecg = {
        source: 'withings',
        method: 'ecg',
        utc_offset_min: 60,
        entry: 'device',
        pr_ms: null,
        qt_ms: null,
        qtc_ms: null,
      };
      expect(await rowsOf(db, 'heart_rhythm', connectionId, ['recorded_at'])).toEqual([
        {
          ...ecg,
          device: 'Move ECG',
          recorded_at: new Date('2026-11-20T11:00:00Z'),
          afib_code: 0,
          afib_class: 'negative',
          heart_rate_bpm: 72,
          qrs_ms: 96,
          signal_id: '4001',
          sampling_frequency_hz: 300,
          wear_position: 1,
          signal_archive_key: key(4001),
        },
        {
          ...ecg,
          device: 'BPM Core',
          recorded_at: new Date('2026-11-21T08:00:00Z'),
          afib_code: 2,
          afib_class: 'inconclusive',
          heart_rate_bpm: 80,
          qrs_ms: null,
          signal_id: '4002',
          sampling_frequency_hz: 500,
          wear_position: 3,
          signal_archive_key: key(4002),
        },
      ]);
      expect(JSON.parse((await deps.archive!.get(studyId, key(4001))).toString('utf8'))).toEqual({
        signalid: 4001,
        timestamp: at('2026-11-20T11:00:00Z'),
        signal: [12, -40, 310, 25],
        sampling_frequency: 300,
        wearposition: 1,
        model: 91,
        heart_rate: 72,
      });
      // Sealed under the study's key: the stored bytes are not the signal.
      expect((await deps.archive!.store.get(key(4002))).toString('utf8')).not.toContain('"signal"');
      expect(sim.wearables.withings.count('heart:get')).toBe(2);

      const before = await snapshot(db, connectionId);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(sim.wearables.withings.count('heart:get')).toBe(2);
      expect(await snapshot(db, connectionId)).toEqual(before);
      expect(await rowsOf(db, 'heart_rhythm', connectionId, ['recorded_at'])).toHaveLength(2);
    }
  );

  withingsTest('adds the sleep monitor’s HRV (RMSSD, 1-minute SDNN) from sleep detail', async ({ sim, db, clock }) => {
    clock.set(new Date('2026-11-22T12:00:00Z'));
    const { connectionId, user } = await connectedPatient(sim, db, clock());
    const t1 = at('2026-11-20T23:00:00Z');
    const t2 = at('2026-11-20T23:01:00Z');
    user.segments = [
      {
        startdate: t1,
        enddate: at('2026-11-20T23:15:00Z'),
        state: 1,
        model: 'Sleep Analyzer',
        hr: { [t1]: 58 },
        rmssd: { [t1]: 38, [t2]: 40 },
        sdnn_1: { [t1]: 50 },
      },
    ];
    const deps = pullDeps(sim.wearables, clock);
    expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
    const row = (t: number, rmssd: number, sdnn: number | null) => ({
      source: 'withings',
      device: 'Sleep Analyzer',
      measured_at: new Date(t * 1000),
      utc_offset_min: 60,
      rmssd_ms: rmssd,
      sdnn_ms: sdnn,
    });
    expect(await rowsOf(db, 'hrv', connectionId, ['measured_at'])).toEqual([row(t1, 38, 50), row(t2, 40, null)]);
  });
});
