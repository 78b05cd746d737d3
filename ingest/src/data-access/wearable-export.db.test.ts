import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import type { createApp } from '../app.ts';
import { insertConnection } from '../connections/store.ts';
import { uniqueName } from '../test/factories.ts';
import { beiweForm, unzip } from '../test/beiwe-zip.ts';
import { asAdmin, asViewer, test, withoutSecret } from '../test/fixtures.ts';
import { emptyBatch, type Batch } from '../wearables/rows.ts';
import { writeBatch } from '../wearables/writer.ts';

/**
 * Wearable rows written by the real wearable writer, exported as the `wearable_*` streams: the
 * expected CSVs are written out by hand from docs/data-export.md.
 */
const at = (iso: string) => new Date(`${iso}Z`);
const ms = (iso: string) => at(iso).getTime();
const line = (iso: string, rest: string) => `${ms(iso)},${iso},${rest}`;

const fitbitDay = (): Batch => ({
  ...emptyBatch(),
  heartRate: [
    {
      device: 'Charge 6',
      utc_offset_min: 60,
      context: 'intraday',
      measured_at: at('2026-11-20T09:00:05.000'),
      bpm: 61,
    },
    {
      device: 'Charge 6',
      utc_offset_min: 60,
      context: 'intraday',
      measured_at: at('2026-11-20T09:59:59.500'),
      bpm: 72,
    },
    {
      device: 'Charge 6',
      utc_offset_min: 60,
      context: 'intraday',
      measured_at: at('2026-11-20T10:00:00.000'),
      bpm: 70,
    },
  ],
  restingHeartRate: [{ device: 'Charge 6', local_date: '2026-11-20', bpm: 58 }],
  steps: [
    {
      device: 'Charge 6',
      utc_offset_min: 60,
      start_at: at('2026-11-20T09:00:00.000'),
      end_at: at('2026-11-20T09:01:00.000'),
      steps: 12,
      entry: 'device',
    },
  ],
  dailyActivity: [
    {
      device: 'Charge 6',
      local_date: '2026-11-20',
      steps: 8000,
      active_duration_s: 3600,
      calories_kcal: 2100.5,
      distance_m: 5400.25,
      fat_burn_azm: 12,
      cardio_azm: 8,
      peak_azm: 0,
    },
  ],
  sleepSessions: [
    {
      device: 'Charge 6',
      utc_offset_min: 60,
      session_id: 's1',
      start_at: at('2026-11-19T23:10:00.000'),
      end_at: at('2026-11-20T06:40:00.000'),
      local_date: '2026-11-20',
      asleep_s: 25200,
      awake_s: 600,
      light_s: 14400,
      deep_s: 5400,
      rem_s: 5400,
      score: 80,
      entry: 'manual',
      stages: [
        {
          start_at: at('2026-11-19T23:10:00.000'),
          end_at: at('2026-11-19T23:40:00.000'),
          utc_offset_min: 60,
          stage: 'light',
        },
        {
          start_at: at('2026-11-19T23:40:00.000'),
          end_at: at('2026-11-20T00:20:00.000'),
          utc_offset_min: 60,
          stage: 'deep',
        },
        {
          start_at: at('2026-11-20T00:20:00.000'),
          end_at: at('2026-11-20T06:40:00.000'),
          utc_offset_min: 60,
          stage: 'rem',
        },
      ],
    },
  ],
  spo2: [{ device: 'Charge 6', utc_offset_min: 60, measured_at: at('2026-11-20T09:30:00.000'), spo2_pct: 97.5 }],
  hrv: [
    {
      device: 'Charge 6',
      utc_offset_min: 60,
      measured_at: at('2026-11-20T09:30:00.000'),
      rmssd_ms: 41.2,
      sdnn_ms: null,
    },
  ],
  respiratory: [
    {
      device: 'Charge 6',
      utc_offset_min: 60,
      measured_at: at('2026-11-20T09:30:00.000'),
      breaths_per_min: 14.25,
      deep_sleep_breaths_per_min: 13.5,
      light_sleep_breaths_per_min: null,
      rem_sleep_breaths_per_min: 15.75,
    },
  ],
  dailyVitals: [
    {
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
      vo2max_ml_min_kg: 44.5,
      cardio_fitness_level: 'GOOD',
      vo2max_estimated: true,
    },
  ],
  exercises: [
    {
      device: 'Charge 6',
      utc_offset_min: 60,
      exercise_id: 'e1',
      start_at: at('2026-11-20T09:10:00.000'),
      duration_s: 1200,
      sport: 'running',
      calories_kcal: 150,
      distance_m: 2500,
      hr_avg_bpm: 140,
      hr_max_bpm: 171,
      hr_zones: [{ index: 1, lower_bpm: 100, upper_bpm: 130, in_zone_s: 300 }],
    },
  ],
  devices: [
    {
      device_id: 'd1',
      model: 'Charge 6, black',
      device_type: 'TRACKER',
      battery_pct: 80,
      battery_status: 'Medium',
      last_sync_at: at('2026-11-20T09:45:00.000'),
    },
  ],
});

const withingsDay = (): Batch => ({
  ...emptyBatch(),
  // Overlaps Fitbit's 09:00 minute: the preferred series keeps one of them there.
  steps: [
    {
      device: 'ScanWatch',
      utc_offset_min: 60,
      start_at: at('2026-11-20T09:00:30.000'),
      end_at: at('2026-11-20T09:02:00.000'),
      steps: 30,
    },
  ],
  heartRhythm: [
    {
      device: 'Move ECG',
      utc_offset_min: 60,
      method: 'ecg',
      recorded_at: at('2026-11-20T09:40:00.000'),
      entry: 'device',
      afib_code: 0,
      afib_class: 'negative',
      heart_rate_bpm: 71,
      qrs_ms: 96,
      pr_ms: 158,
      qt_ms: 384,
      qtc_ms: 412,
      signal_id: '4001',
      sampling_frequency_hz: 300,
      wear_position: 1,
      signal_archive_key: 'study-1/wearables/1/withings-ecg/4001.json',
    },
    {
      device: 'ScanWatch',
      utc_offset_min: 60,
      method: 'ppg',
      recorded_at: at('2026-11-20T09:40:00.000'),
      afib_code: 1,
    },
  ],
  exercises: [
    {
      device: 'ScanWatch',
      utc_offset_min: 60,
      exercise_id: '9001',
      start_at: at('2026-11-20T09:05:00.000'),
      duration_s: 2700,
      sport: 'Run',
      calories_kcal: 410,
      distance_m: 7100,
      hr_avg_bpm: 151,
      hr_max_bpm: 176,
      hr_zones: [{ index: 0, lower_bpm: null, upper_bpm: null, in_zone_s: 300 }],
      entry: 'device',
    },
  ],
  heartRate: [
    {
      device: 'BPM Connect',
      utc_offset_min: 60,
      context: 'spot',
      measured_at: at('2026-11-20T09:00:05.000'),
      bpm: 64,
      entry: 'ambiguous',
    },
  ],
  body: [
    {
      device: 'Body Cardio',
      utc_offset_min: 60,
      measured_at: at('2026-11-20T09:15:00.000'),
      weight_kg: 72.4,
      fat_ratio_pct: 21.5,
      fat_free_mass_kg: 56.8,
      muscle_mass_kg: 53.9,
      bone_mass_kg: 2.9,
      hydration_kg: 40.1,
      extracellular_water_kg: 17.2,
      intracellular_water_kg: 22.9,
      visceral_fat_index: 7,
      pulse_wave_velocity_m_s: 7.4,
      entry: 'device',
    },
    {
      device: null,
      utc_offset_min: 60,
      measured_at: at('2026-11-20T09:20:00.000'),
      height_m: 1.78,
      skin_temperature_c: 33.9,
      vo2max_ml_min_kg: 38.5,
      entry: 'manual',
    },
    {
      device: 'BPM Connect',
      utc_offset_min: 60,
      measured_at: at('2026-11-20T10:05:00.000'),
      systolic_mmhg: 120,
      diastolic_mmhg: 80,
    },
  ],
});

/** Polar's night and day: Nightly Recharge and skin temperature in the day's vitals, cardio load, SleepWise. */
const polarDay = (): Batch => ({
  ...emptyBatch(),
  dailyVitals: [
    {
      device: null,
      local_date: '2026-11-20',
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
  ],
  dailyActivity: [
    {
      device: null,
      local_date: '2026-11-20',
      steps: null,
      active_duration_s: null,
      calories_kcal: null,
      distance_m: null,
      cardio_load_trimp: 85.3,
      cardio_load_strain: 60.2,
      cardio_load_tolerance: 55.1,
      cardio_load_ratio: 1.09,
      cardio_load_status: 'PRODUCTIVE',
    },
  ],
  sleepwise: [
    {
      device: null,
      utc_offset_min: 60,
      kind: 'alertness',
      start_at: at('2026-11-20T06:10:00.000'),
      end_at: at('2026-11-20T21:40:00.000'),
      entry: 'device',
      result_type: 'history',
      validity: 'VALIDITY_VALID',
      grade: 8.2,
      grade_classification: 'GRADE_CLASSIFICATION_STRONG',
      grade_type: 'GRADE_TYPE_PRIMARY',
      grade_validity_s: 57600,
      sleep_inertia: 'SLEEP_INERTIA_MILD',
      sleep_type: 'SLEEP_TYPE_PRIMARY',
      sleep_start_at: at('2026-11-19T22:30:00.000'),
      sleep_end_at: at('2026-11-20T06:09:30.000'),
      hourly_levels: [
        {
          start_at: at('2026-11-20T06:10:00.000'),
          end_at: at('2026-11-20T07:00:00.000'),
          level: 'ALERTNESS_LEVEL_HIGH',
          validity: 'VALIDITY_VALID',
        },
      ],
    },
    {
      device: null,
      utc_offset_min: 60,
      kind: 'circadian_bedtime',
      start_at: at('2026-11-20T06:10:00.000'),
      end_at: at('2026-11-20T14:10:00.000'),
      entry: 'device',
      result_type: 'prediction',
      validity: 'VALIDITY_ESTIMATE',
      quality: 'CIRCADIAN_BEDTIME_QUALITY_WEAK',
      preferred_sleep_start_at: at('2026-11-20T06:10:00.000'),
      preferred_sleep_end_at: at('2026-11-20T14:10:00.000'),
      sleep_gate_start_at: at('2026-11-20T05:55:00.000'),
      sleep_gate_end_at: at('2026-11-20T06:25:00.000'),
    },
  ],
});

/** Entry name (after the patient id) → CSV, from the documented headers. */
const EXPECTED: Record<string, string> = {
  'wearable_heart_rate/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,context,bpm,utc_offset_min,entry',
    line('2026-11-20T09:00:05.000', 'fitbit,Charge 6,intraday,61,60,'),
    line('2026-11-20T09:00:05.000', 'withings,BPM Connect,spot,64,60,ambiguous'),
    line('2026-11-20T09:59:59.500', 'fitbit,Charge 6,intraday,72,60,'),
  ].join('\n'),
  'wearable_heart_rate/2026-11-20 10_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,context,bpm,utc_offset_min,entry',
    line('2026-11-20T10:00:00.000', 'fitbit,Charge 6,intraday,70,60,'),
  ].join('\n'),
  'wearable_resting_heart_rate/2026-11-20 00_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,local_date,bpm',
    line('2026-11-20T00:00:00.000', 'fitbit,Charge 6,2026-11-20,58'),
  ].join('\n'),
  'wearable_steps/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,end UTC time,steps,utc_offset_min,entry',
    line('2026-11-20T09:00:00.000', 'fitbit,Charge 6,2026-11-20T09:01:00.000,12,60,device'),
    line('2026-11-20T09:00:30.000', 'withings,ScanWatch,2026-11-20T09:02:00.000,30,60,'),
  ].join('\n'),
  // No study list: the default order, Fitbit, Withings, Polar, the phone. Withings keeps the 60 of
  // its 90 seconds Fitbit does not cover, and 20 of its 30 steps; the phone's 09:00 minute is
  // covered, its 09:02 minute is not.
  'wearable_steps_preferred/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,end UTC time,steps,utc_offset_min,entry',
    line('2026-11-20T09:00:00.000', 'fitbit,Charge 6,2026-11-20T09:01:00.000,12,60,device'),
    line('2026-11-20T09:01:00.000', 'withings,ScanWatch,2026-11-20T09:02:00.000,20,60,'),
    line('2026-11-20T09:02:00.000', 'phone,,2026-11-20T09:03:00.000,7.5,,'),
  ].join('\n'),
  // Default order Polar, Fitbit, Withings: Fitbit's sample wins the 09:00 minute over Withings'.
  'wearable_heart_rate_preferred/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,context,bpm,utc_offset_min,entry',
    line('2026-11-20T09:00:05.000', 'fitbit,Charge 6,intraday,61,60,'),
    line('2026-11-20T09:59:59.500', 'fitbit,Charge 6,intraday,72,60,'),
  ].join('\n'),
  'wearable_heart_rate_preferred/2026-11-20 10_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,context,bpm,utc_offset_min,entry',
    line('2026-11-20T10:00:00.000', 'fitbit,Charge 6,intraday,70,60,'),
  ].join('\n'),
  'wearable_resting_heart_rate_preferred/2026-11-20 00_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,local_date,bpm',
    line('2026-11-20T00:00:00.000', 'fitbit,Charge 6,2026-11-20,58'),
  ].join('\n'),
  // Fitbit's totals win the day; Polar's cardio load is no total Fitbit has, so its row stays.
  'wearable_daily_activity_preferred/2026-11-20 00_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,local_date,steps,active_duration_s,calories_kcal,distance_m,fat_burn_azm,cardio_azm,peak_azm,cardio_load_trimp,cardio_load_strain,cardio_load_tolerance,cardio_load_ratio,cardio_load_status',
    line('2026-11-20T00:00:00.000', 'fitbit,Charge 6,2026-11-20,8000,3600,2100.5,5400.25,12,8,0,,,,,'),
    line('2026-11-20T00:00:00.000', 'polar,,2026-11-20,,,,,,,,85.3,60.2,55.1,1.09,PRODUCTIVE'),
  ].join('\n'),
  // Default orders: breathing and skin temperature Fitbit first, HRV Polar first. The columns only
  // one of them fills (Fitbit's SpO2 and VO2 max, Polar's Nightly Recharge) stay in its row.
  'wearable_daily_vitals_preferred/2026-11-20 00_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,local_date,breaths_per_min,spo2_avg_pct,spo2_lower_pct,spo2_upper_pct,spo2_sd_pct,hrv_rmssd_ms,hrv_deep_sleep_rmssd_ms,hrv_entropy,non_rem_hr_bpm,skin_temperature_c,skin_temperature_baseline_c,skin_temperature_sd_30d_c,vo2max_ml_min_kg,cardio_fitness_level,vo2max_estimated,entry,ans_charge,ans_charge_status,nightly_recharge_status,recharge_hr_avg_bpm,recharge_beat_interval_avg_ms',
    line(
      '2026-11-20T00:00:00.000',
      'fitbit,Charge 6,2026-11-20,15.2,95.8,93.2,98,0.6,,,,,34.1,34.4,0.3,44.5,GOOD,1,device,,,,,'
    ),
    line('2026-11-20T00:00:00.000', 'polar,,2026-11-20,,,,,,41,,,,,,,,,,device,2.5,3,4,58,1034'),
  ].join('\n'),
  'wearable_sleep_sessions_preferred/2026-11-19 23_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,session_id,end UTC time,local_date,asleep_s,awake_s,light_s,deep_s,rem_s,score,utc_offset_min,entry',
    line(
      '2026-11-19T23:10:00.000',
      'fitbit,Charge 6,s1,2026-11-20T06:40:00.000,2026-11-20,25200,600,14400,5400,5400,80,60,manual'
    ),
  ].join('\n'),
  // Workouts' default order Polar, Fitbit, Withings: Withings' run overlaps Fitbit's and is dropped.
  'wearable_exercises_preferred/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,exercise_id,duration_s,sport,calories_kcal,distance_m,hr_avg_bpm,hr_max_bpm,hr_zones,utc_offset_min,entry',
    line(
      '2026-11-20T09:10:00.000',
      'fitbit,Charge 6,e1,1200,running,150,2500,140,171,"[{""index"":1,""lower_bpm"":100,""upper_bpm"":130,""in_zone_s"":300}]",60,'
    ),
  ].join('\n'),
  'wearable_daily_activity/2026-11-20 00_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,local_date,steps,active_duration_s,calories_kcal,distance_m,fat_burn_azm,cardio_azm,peak_azm,cardio_load_trimp,cardio_load_strain,cardio_load_tolerance,cardio_load_ratio,cardio_load_status',
    line('2026-11-20T00:00:00.000', 'fitbit,Charge 6,2026-11-20,8000,3600,2100.5,5400.25,12,8,0,,,,,'),
    line('2026-11-20T00:00:00.000', 'polar,,2026-11-20,,,,,,,,85.3,60.2,55.1,1.09,PRODUCTIVE'),
  ].join('\n'),
  'wearable_sleep_sessions/2026-11-19 23_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,session_id,end UTC time,local_date,asleep_s,awake_s,light_s,deep_s,rem_s,score,utc_offset_min,entry',
    line(
      '2026-11-19T23:10:00.000',
      'fitbit,Charge 6,s1,2026-11-20T06:40:00.000,2026-11-20,25200,600,14400,5400,5400,80,60,manual'
    ),
  ].join('\n'),
  'wearable_sleep_stages/2026-11-19 23_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,session_id,end UTC time,stage,utc_offset_min',
    line('2026-11-19T23:10:00.000', 'fitbit,Charge 6,s1,2026-11-19T23:40:00.000,light,60'),
    line('2026-11-19T23:40:00.000', 'fitbit,Charge 6,s1,2026-11-20T00:20:00.000,deep,60'),
  ].join('\n'),
  'wearable_sleep_stages/2026-11-20 00_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,session_id,end UTC time,stage,utc_offset_min',
    line('2026-11-20T00:20:00.000', 'fitbit,Charge 6,s1,2026-11-20T06:40:00.000,rem,60'),
  ].join('\n'),
  'wearable_body_measurements/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,weight_kg,fat_ratio_pct,fat_mass_kg,systolic_mmhg,diastolic_mmhg,temperature_c,utc_offset_min,height_m,fat_free_mass_kg,muscle_mass_kg,bone_mass_kg,hydration_kg,extracellular_water_kg,intracellular_water_kg,visceral_fat_index,skin_temperature_c,pulse_wave_velocity_m_s,vo2max_ml_min_kg,entry',
    line(
      '2026-11-20T09:15:00.000',
      'withings,Body Cardio,72.4,21.5,,,,,60,,56.8,53.9,2.9,40.1,17.2,22.9,7,,7.4,,device'
    ),
    line('2026-11-20T09:20:00.000', 'withings,,,,,,,,60,1.78,,,,,,,,33.9,,38.5,manual'),
  ].join('\n'),
  'wearable_body_measurements/2026-11-20 10_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,weight_kg,fat_ratio_pct,fat_mass_kg,systolic_mmhg,diastolic_mmhg,temperature_c,utc_offset_min,height_m,fat_free_mass_kg,muscle_mass_kg,bone_mass_kg,hydration_kg,extracellular_water_kg,intracellular_water_kg,visceral_fat_index,skin_temperature_c,pulse_wave_velocity_m_s,vo2max_ml_min_kg,entry',
    line('2026-11-20T10:05:00.000', 'withings,BPM Connect,,,,120,80,,60,,,,,,,,,,,,'),
  ].join('\n'),
  'wearable_spo2/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,spo2_pct,utc_offset_min,entry',
    line('2026-11-20T09:30:00.000', 'fitbit,Charge 6,97.5,60,'),
  ].join('\n'),
  'wearable_hrv/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,rmssd_ms,sdnn_ms,utc_offset_min',
    line('2026-11-20T09:30:00.000', 'fitbit,Charge 6,41.2,,60'),
  ].join('\n'),
  'wearable_respiratory_rate/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,breaths_per_min,utc_offset_min,deep_sleep_breaths_per_min,light_sleep_breaths_per_min,rem_sleep_breaths_per_min',
    line('2026-11-20T09:30:00.000', 'fitbit,Charge 6,14.25,60,13.5,,15.75'),
  ].join('\n'),
  'wearable_daily_vitals/2026-11-20 00_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,local_date,breaths_per_min,spo2_avg_pct,spo2_lower_pct,spo2_upper_pct,spo2_sd_pct,hrv_rmssd_ms,hrv_deep_sleep_rmssd_ms,hrv_entropy,non_rem_hr_bpm,skin_temperature_c,skin_temperature_baseline_c,skin_temperature_sd_30d_c,vo2max_ml_min_kg,cardio_fitness_level,vo2max_estimated,entry,ans_charge,ans_charge_status,nightly_recharge_status,recharge_hr_avg_bpm,recharge_beat_interval_avg_ms',
    line(
      '2026-11-20T00:00:00.000',
      'fitbit,Charge 6,2026-11-20,15.2,95.8,93.2,98,0.6,38.4,41.2,2.9,57,34.1,34.4,0.3,44.5,GOOD,1,device,,,,,'
    ),
    line('2026-11-20T00:00:00.000', 'polar,,2026-11-20,14.1,,,,,41,,,,33.4,33.7,,,,,device,2.5,3,4,58,1034'),
  ].join('\n'),
  // Alertness before the circadian bedtime of the same instant ("kind" breaks the tie).
  'wearable_sleepwise_periods/2026-11-20 06_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,kind,end UTC time,result_type,validity,grade,grade_classification,grade_type,grade_validity_s,sleep_inertia,sleep_type,sleep start UTC time,sleep end UTC time,hourly_levels,quality,preferred sleep start UTC time,preferred sleep end UTC time,sleep gate start UTC time,sleep gate end UTC time,utc_offset_min,entry',
    line(
      '2026-11-20T06:10:00.000',
      'polar,,alertness,2026-11-20T21:40:00.000,history,VALIDITY_VALID,8.2,GRADE_CLASSIFICATION_STRONG,GRADE_TYPE_PRIMARY,57600,SLEEP_INERTIA_MILD,SLEEP_TYPE_PRIMARY,2026-11-19T22:30:00.000,2026-11-20T06:09:30.000,"[{""start_at"":""2026-11-20T06:10:00.000Z"",""end_at"":""2026-11-20T07:00:00.000Z"",""level"":""ALERTNESS_LEVEL_HIGH"",""validity"":""VALIDITY_VALID""}]",,,,,,60,device'
    ),
    line(
      '2026-11-20T06:10:00.000',
      'polar,,circadian_bedtime,2026-11-20T14:10:00.000,prediction,VALIDITY_ESTIMATE,,,,,,,,,,CIRCADIAN_BEDTIME_QUALITY_WEAK,2026-11-20T06:10:00.000,2026-11-20T14:10:00.000,2026-11-20T05:55:00.000,2026-11-20T06:25:00.000,60,device'
    ),
  ].join('\n'),
  'wearable_exercises/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,exercise_id,duration_s,sport,calories_kcal,distance_m,hr_avg_bpm,hr_max_bpm,hr_zones,utc_offset_min,entry',
    line(
      '2026-11-20T09:05:00.000',
      'withings,ScanWatch,9001,2700,Run,410,7100,151,176,"[{""index"":0,""lower_bpm"":null,""upper_bpm"":null,""in_zone_s"":300}]",60,device'
    ),
    line(
      '2026-11-20T09:10:00.000',
      'fitbit,Charge 6,e1,1200,running,150,2500,140,171,"[{""index"":1,""lower_bpm"":100,""upper_bpm"":130,""in_zone_s"":300}]",60,'
    ),
  ].join('\n'),
  'wearable_heart_rhythm/2026-11-20 09_00_00+00_00.csv': [
    'timestamp,UTC time,source,device,method,afib_code,afib_class,heart_rate_bpm,qrs_ms,pr_ms,qt_ms,qtc_ms,signal_id,sampling_frequency_hz,wear_position,entry,utc_offset_min',
    line('2026-11-20T09:40:00.000', 'withings,Move ECG,ecg,0,negative,71,96,158,384,412,4001,300,1,device,60'),
    line('2026-11-20T09:40:00.000', 'withings,ScanWatch,ppg,1,,,,,,,,,,,60'),
  ].join('\n'),
  'wearable_device_status/2026-11-20 11_00_00+00_00.csv': [
    'timestamp,UTC time,source,device_id,model,device_type,battery_pct,battery_status,last sync UTC time,last seen UTC time',
    line(
      '2026-11-20T11:30:00.000',
      'fitbit,d1,"Charge 6, black",TRACKER,80,Medium,2026-11-20T09:45:00.000,2026-11-20T11:30:00.000'
    ),
  ].join('\n'),
};

/** A participant with a Fitbit, a Withings and a Polar connection whose day went through the wearable writer. */
async function seed(app: ReturnType<typeof createApp>, db: Knex) {
  const post = async (path: string, body: unknown) =>
    app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) });
  const study = (await (await post('/api/v1/studies', { name: uniqueName('Wearable export') })).json()) as {
    id: number;
    objectId: string;
  };
  const enrolled = (await (await post(`/api/v1/studies/${study.id}/participants`, { label: 'w1' })).json()) as {
    id: number;
    beiwe: { patientId: string };
  };
  const pid = enrolled.beiwe.patientId;
  const now = at('2026-11-20T11:30:00.000');
  const connect = (provider: 'fitbit' | 'withings' | 'polar', api: string) =>
    insertConnection(
      db,
      { participant_id: enrolled.id, provider, api, status: 'active', scopes_requested: 'all' },
      now
    );
  const fitbit = {
    connectionId: await connect('fitbit', 'google-health'),
    participantId: enrolled.id,
    source: 'fitbit' as const,
  };
  const withings = {
    connectionId: await connect('withings', 'withings'),
    participantId: enrolled.id,
    source: 'withings' as const,
  };
  await writeBatch(db, fitbit, fitbitDay(), now);
  await writeBatch(db, withings, withingsDay(), now);
  await writeBatch(
    db,
    { connectionId: await connect('polar', 'polar-accesslink'), participantId: enrolled.id, source: 'polar' },
    polarDay(),
    now
  );
  // The phone's walking minutes (steps guessed from the accelerometer).
  await db('walking_minutes').insert([
    { participant_id: enrolled.id, minute: at('2026-11-20T09:00:00.000'), walking_s: 6, steps: 3 },
    { participant_id: enrolled.id, minute: at('2026-11-20T09:02:00.000'), walking_s: 12, steps: 7.5 },
  ]);
  return { post, study, enrolled, pid, fitbit, now };
}

describe('wearable streams in POST /get-data/v1', () => {
  test('exports exactly the documented hourly CSVs, and the registry skips unchanged hours', async ({ app, db }) => {
    const { post, study, pid, fitbit, now } = await seed(app, db);
    const key = (await (await post('/api/v1/data-access/keys', { studyId: study.id, name: 'wearables' })).json()) as {
      accessKey: string;
      secretKey: string;
    };
    const request = (fields: Record<string, string | undefined>) =>
      app.request(
        '/get-data/v1',
        beiweForm({
          access_key: key.accessKey,
          secret_key: key.secretKey,
          study_id: study.objectId,
          participant_ids: JSON.stringify([pid]),
          time_start: '2026-11-19T00:00:00',
          time_end: '2026-11-21T00:00:00',
          ...fields,
        })
      );

    // No data_streams: every stream, Beiwe's (empty here) and the wearable ones.
    const res = await request({});
    expect(res.status).toBe(200);
    const entries = unzip(Buffer.from(await res.arrayBuffer()));
    const expected = new Map(Object.entries(EXPECTED).map(([name, csv]) => [`${pid}/${name}`, csv]));
    expect([...entries.keys()].sort()).toEqual([...expected.keys(), 'registry'].sort());
    for (const [name, csv] of expected) expect(entries.get(name)?.toString(), name).toBe(csv);
    const registry = JSON.parse(entries.get('registry')!.toString()) as Record<string, string>;
    expect(Object.keys(registry).sort()).toEqual(
      Object.keys(EXPECTED)
        .map((name) => {
          const [stream, bin] = name.split('/') as [string, string];
          return `CHUNKED_DATA/${study.objectId}/${pid}/${stream}/${bin.slice(0, 10)}T${bin.slice(11, 19).replaceAll('_', ':')}.csv`;
        })
        .sort()
    );

    // Only the named streams; hours outside the range are left out.
    const spo2 = unzip(
      Buffer.from(
        await (
          await request({
            data_streams: JSON.stringify(['wearable_spo2', 'wearable_heart_rate']),
            time_start: '2026-11-20T09:30:00',
          })
        ).arrayBuffer()
      )
    );
    expect([...spo2.keys()].sort()).toEqual(
      [`${pid}/wearable_heart_rate/2026-11-20 10_00_00+00_00.csv`, 'registry'].sort()
    );

    // The same day read again (unchanged), one more sample in a downloaded hour, one in a new hour.
    await writeBatch(db, fitbit, { ...fitbitDay(), devices: [] }, now);
    await writeBatch(
      db,
      fitbit,
      {
        ...emptyBatch(),
        heartRate: [
          {
            device: 'Charge 6',
            utc_offset_min: 60,
            context: 'intraday',
            measured_at: at('2026-11-20T09:20:00.000'),
            bpm: 66,
          },
          {
            device: 'Charge 6',
            utc_offset_min: 60,
            context: 'intraday',
            measured_at: at('2026-11-20T12:00:00.000'),
            bpm: 75,
          },
        ],
      },
      now
    );
    const again = unzip(Buffer.from(await (await request({ registry: JSON.stringify(registry) })).arrayBuffer()));
    expect([...again.keys()].sort()).toEqual(
      [
        `${pid}/wearable_heart_rate/2026-11-20 09_00_00+00_00.csv`,
        `${pid}/wearable_heart_rate/2026-11-20 12_00_00+00_00.csv`,
        `${pid}/wearable_heart_rate_preferred/2026-11-20 09_00_00+00_00.csv`,
        `${pid}/wearable_heart_rate_preferred/2026-11-20 12_00_00+00_00.csv`,
        'registry',
      ].sort()
    );
    expect(again.get(`${pid}/wearable_heart_rate/2026-11-20 09_00_00+00_00.csv`)?.toString().split('\n')).toEqual([
      'timestamp,UTC time,source,device,context,bpm,utc_offset_min,entry',
      line('2026-11-20T09:00:05.000', 'fitbit,Charge 6,intraday,61,60,'),
      line('2026-11-20T09:00:05.000', 'withings,BPM Connect,spot,64,60,ambiguous'),
      line('2026-11-20T09:20:00.000', 'fitbit,Charge 6,intraday,66,60,'),
      line('2026-11-20T09:59:59.500', 'fitbit,Charge 6,intraday,72,60,'),
    ]);

    // The study puts Withings first: Fitbit keeps the half minute before Withings' interval.
    const priority = await app.request(`/api/v1/studies/${study.id}/source-priority`, {
      method: 'PUT',
      headers: asAdmin,
      body: JSON.stringify({ steps: [{ source: 'withings' }], workouts: [{ source: 'withings' }] }),
    });
    expect(priority.status).toBe(200);
    const preferred = unzip(
      Buffer.from(
        await (
          await request({ data_streams: JSON.stringify(['wearable_steps_preferred', 'wearable_exercises_preferred']) })
        ).arrayBuffer()
      )
    );
    expect(preferred.get(`${pid}/wearable_exercises_preferred/2026-11-20 09_00_00+00_00.csv`)?.toString()).toBe(
      [
        'timestamp,UTC time,source,device,exercise_id,duration_s,sport,calories_kcal,distance_m,hr_avg_bpm,hr_max_bpm,hr_zones,utc_offset_min,entry',
        line(
          '2026-11-20T09:05:00.000',
          'withings,ScanWatch,9001,2700,Run,410,7100,151,176,"[{""index"":0,""lower_bpm"":null,""upper_bpm"":null,""in_zone_s"":300}]",60,device'
        ),
      ].join('\n')
    );
    expect(preferred.get(`${pid}/wearable_steps_preferred/2026-11-20 09_00_00+00_00.csv`)?.toString()).toBe(
      [
        'timestamp,UTC time,source,device,end UTC time,steps,utc_offset_min,entry',
        line('2026-11-20T09:00:00.000', 'fitbit,Charge 6,2026-11-20T09:00:30.000,6,60,device'),
        line('2026-11-20T09:00:30.000', 'withings,ScanWatch,2026-11-20T09:02:00.000,30,60,'),
        line('2026-11-20T09:02:00.000', 'phone,,2026-11-20T09:03:00.000,7.5,,'),
      ].join('\n')
    );

    const unknown = await request({ data_streams: JSON.stringify(['heart_rate']) });
    expect(unknown.status).toBe(404);
  });
});

describe('GET /api/v1/participants/:id/export', () => {
  test('streams the deflated ZIP with its file name and estimates of its rows and bytes', async ({ app, db }) => {
    const { enrolled, pid } = await seed(app, db);
    // Phone-stream quantities as the processor keeps them: one day in range, one day after it.
    await db('data_quantity').insert([
      { participant_id: enrolled.id, stream: 'gps', day: '2026-11-20', rows: 5000, bytes: 1, expected_rows: null },
      { participant_id: enrolled.id, stream: 'gps', day: '2026-11-22', rows: 7000, bytes: 1, expected_rows: null },
    ]);
    const streams = 'wearable_heart_rate,wearable_sleep_stages,wearable_device_status';
    const res = await app.request(
      `/api/v1/participants/${enrolled.id}/export?streams=${streams}&from=2026-11-19T00:00:00Z&to=2026-11-20T23:59:59Z`,
      { headers: asViewer }
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${pid}_2026-11-19_2026-11-20.zip"`);
    const zip = Buffer.from(await res.arrayBuffer());
    const entries = unzip(zip);
    const wanted = Object.keys(EXPECTED).filter((n) => streams.split(',').includes(n.split('/')[0]!));
    expect([...entries.keys()].sort()).toEqual(wanted.map((n) => `${pid}/${n}`).sort());
    for (const n of wanted) expect(entries.get(`${pid}/${n}`)?.toString(), n).toBe(EXPECTED[n]);
    // Every exported row was counted ahead of the first byte.
    const exportedRows = [...entries.values()].reduce((n, csv) => n + csv.toString().split('\n').length - 1, 0);
    expect(Number(res.headers.get('x-vigil-estimated-rows'))).toBe(exportedRows);
    expect(Number(res.headers.get('x-vigil-estimated-bytes'))).toBeGreaterThan(0);

    // Phone streams are estimated from data_quantity's days in range.
    const withGps = await app.request(
      `/api/v1/participants/${enrolled.id}/export?streams=gps,wearable_spo2&from=2026-11-19T00:00:00Z&to=2026-11-21T00:00:00Z`,
      { headers: asViewer }
    );
    expect(withGps.status).toBe(200);
    expect(Number(withGps.headers.get('x-vigil-estimated-rows'))).toBe(5000 + 1);
    const gpsOnly = Number(withGps.headers.get('x-vigil-estimated-bytes'));
    await withGps.arrayBuffer();
    const everything = await app.request(`/api/v1/participants/${enrolled.id}/export?streams=gps,wearable_spo2`, {
      headers: asViewer,
    });
    expect(Number(everything.headers.get('x-vigil-estimated-rows'))).toBe(12000 + 1);
    expect(Number(everything.headers.get('x-vigil-estimated-bytes'))).toBeGreaterThan(gpsOnly);
    expect((await everything.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect(res.headers.get('content-disposition')).not.toBe(everything.headers.get('content-disposition'));
  });

  test('refuses bad input, unknown participants and callers without the secret', async ({ app, db }) => {
    const { enrolled } = await seed(app, db);
    const get = (query: string, headers: Record<string, string> = asViewer) =>
      app.request(`/api/v1/participants/${enrolled.id}/export${query}`, { headers });
    expect((await get('?streams=heart_rate')).status).toBe(400);
    expect((await get('?from=yesterday')).status).toBe(400);
    expect((await app.request('/api/v1/participants/999999999/export', { headers: asViewer })).status).toBe(404);
    expect((await get('', withoutSecret)).status).toBe(401);
  });
});
