/**
 * The unified rows a pull produces, one type per measurement table. Times are UTC instants; each
 * row keeps the patient's local offset at that instant (minutes east of UTC). Column names carry
 * units. The writer adds `connection_id`, `participant_id` and `source`.
 */
type Stamped = { device: string | null; utc_offset_min: number };
/** How a reading reached the vendor: a device's, a device's that may be another user's, or typed in. */
export type Entry = 'device' | 'ambiguous' | 'manual';

export type HeartRateRow = Stamped & {
  context: 'intraday' | 'sleep' | 'exercise' | 'continuous' | 'spot';
  measured_at: Date;
  bpm: number;
  entry?: Entry;
};
export type RestingHeartRateRow = { device: string | null; local_date: string; bpm: number };
export type StepsRow = Stamped & { start_at: Date; end_at: Date; steps: number; entry?: Entry };
export type DailyActivityRow = {
  device: string | null;
  local_date: string;
  steps: number | null;
  active_duration_s: number | null;
  calories_kcal: number | null;
  distance_m: number | null;
  /** Active zone minutes earned per heart-rate zone (Fitbit: 1 a minute in fat burn, 2 in cardio and peak). */
  fat_burn_azm?: number | null;
  cardio_azm?: number | null;
  peak_azm?: number | null;
  /** Polar's cardio load of the day (TRIMP) and its 7-day strain, 28-day tolerance, their ratio and status. */
  cardio_load_trimp?: number | null;
  cardio_load_strain?: number | null;
  cardio_load_tolerance?: number | null;
  cardio_load_ratio?: number | null;
  cardio_load_status?: string | null;
};
/** The columns of `daily_activity` each source's reading of a day fills (Fitbit's come from separate roll-ups). */
export const DAILY_ACTIVITY_COLUMNS = [
  'steps',
  'active_duration_s',
  'calories_kcal',
  'distance_m',
  'fat_burn_azm',
  'cardio_azm',
  'peak_azm',
  'cardio_load_trimp',
  'cardio_load_strain',
  'cardio_load_tolerance',
  'cardio_load_ratio',
  'cardio_load_status',
] as const satisfies readonly (keyof DailyActivityRow)[];
export type SleepStageRow = { start_at: Date; end_at: Date; utc_offset_min: number; stage: SleepStage };
export type SleepStage = 'awake' | 'light' | 'deep' | 'rem' | 'asleep' | 'restless' | 'unknown' | 'out_of_bed';
export type SleepSessionRow = Stamped & {
  session_id: string;
  start_at: Date;
  end_at: Date;
  local_date: string;
  asleep_s: number | null;
  awake_s: number | null;
  light_s: number | null;
  deep_s: number | null;
  rem_s: number | null;
  score: number | null;
  entry?: Entry;
  /** Null: the provider gave no stages with the session (they may come from a separate call). */
  stages: SleepStageRow[] | null;
};
/** Stages read apart from their session (Withings sleep detail). */
export type LooseStagesRow = SleepStageRow & { session_id: string };
export type BodyRow = Stamped & {
  measured_at: Date;
  weight_kg?: number;
  fat_ratio_pct?: number;
  fat_mass_kg?: number;
  systolic_mmhg?: number;
  diastolic_mmhg?: number;
  temperature_c?: number;
  height_m?: number;
  fat_free_mass_kg?: number;
  muscle_mass_kg?: number;
  bone_mass_kg?: number;
  hydration_kg?: number;
  extracellular_water_kg?: number;
  intracellular_water_kg?: number;
  visceral_fat_index?: number;
  skin_temperature_c?: number;
  pulse_wave_velocity_m_s?: number;
  vo2max_ml_min_kg?: number;
  entry?: Entry;
};
/** The measurement columns of `body_measurements`, each filled by whichever reading has it. */
export const BODY_COLUMNS = [
  'weight_kg',
  'fat_ratio_pct',
  'fat_mass_kg',
  'systolic_mmhg',
  'diastolic_mmhg',
  'temperature_c',
  'height_m',
  'fat_free_mass_kg',
  'muscle_mass_kg',
  'bone_mass_kg',
  'hydration_kg',
  'extracellular_water_kg',
  'intracellular_water_kg',
  'visceral_fat_index',
  'skin_temperature_c',
  'pulse_wave_velocity_m_s',
  'vo2max_ml_min_kg',
] as const satisfies readonly (keyof BodyRow)[];
export type Spo2Row = Stamped & { measured_at: Date; spo2_pct: number; entry?: Entry };
export type HrvRow = Stamped & { measured_at: Date; rmssd_ms: number | null; sdnn_ms: number | null };
export type RespiratoryRow = Stamped & {
  measured_at: Date;
  breaths_per_min: number;
  deep_sleep_breaths_per_min?: number | null;
  light_sleep_breaths_per_min?: number | null;
  rem_sleep_breaths_per_min?: number | null;
};
/** One patient-local day's vitals; each of the vendor's daily types fills its own columns. */
export type DailyVitalsRow = {
  device: string | null;
  local_date: string;
  entry?: Entry;
  breaths_per_min?: number;
  spo2_avg_pct?: number;
  spo2_lower_pct?: number;
  spo2_upper_pct?: number;
  spo2_sd_pct?: number;
  hrv_rmssd_ms?: number;
  hrv_deep_sleep_rmssd_ms?: number;
  hrv_entropy?: number;
  non_rem_hr_bpm?: number;
  skin_temperature_c?: number;
  skin_temperature_baseline_c?: number;
  skin_temperature_sd_30d_c?: number;
  vo2max_ml_min_kg?: number;
  cardio_fitness_level?: string;
  vo2max_estimated?: boolean;
  /** Polar's Nightly Recharge: ANS charge (-10…+10) and status (1…5), recharge status (1…6), the 4-hour averages. */
  ans_charge?: number;
  ans_charge_status?: number;
  nightly_recharge_status?: number;
  recharge_hr_avg_bpm?: number;
  recharge_beat_interval_avg_ms?: number;
};
export const DAILY_VITALS_COLUMNS = [
  'entry',
  'breaths_per_min',
  'spo2_avg_pct',
  'spo2_lower_pct',
  'spo2_upper_pct',
  'spo2_sd_pct',
  'hrv_rmssd_ms',
  'hrv_deep_sleep_rmssd_ms',
  'hrv_entropy',
  'non_rem_hr_bpm',
  'skin_temperature_c',
  'skin_temperature_baseline_c',
  'skin_temperature_sd_30d_c',
  'vo2max_ml_min_kg',
  'cardio_fitness_level',
  'vo2max_estimated',
  'ans_charge',
  'ans_charge_status',
  'nightly_recharge_status',
  'recharge_hr_avg_bpm',
  'recharge_beat_interval_avg_ms',
] as const satisfies readonly (keyof DailyVitalsRow)[];
/** Bounds are null where the vendor gives only the time in a zone (Withings). */
export type ExerciseZone = { index: number; lower_bpm: number | null; upper_bpm: number | null; in_zone_s: number };
export type ExerciseRow = Stamped & {
  exercise_id: string;
  start_at: Date;
  duration_s: number;
  sport: string | null;
  calories_kcal: number | null;
  distance_m: number | null;
  hr_avg_bpm: number | null;
  hr_max_bpm: number | null;
  hr_zones: ExerciseZone[];
  entry?: Entry;
};
/**
 * A heart-rhythm check (`ecg` recording or `ppg` AFib check). Readings of one instant from
 * several services (heart list, Getmeas intervals) fill their own columns of one row.
 */
export type HeartRhythmRow = Stamped & {
  method: 'ecg' | 'ppg';
  recorded_at: Date;
  entry?: Entry;
  afib_code?: number;
  afib_class?: string | null;
  heart_rate_bpm?: number;
  qrs_ms?: number;
  pr_ms?: number;
  qt_ms?: number;
  qtc_ms?: number;
  signal_id?: string;
  sampling_frequency_hz?: number;
  wear_position?: number;
  signal_archive_key?: string;
};
/** The columns of `heart_rhythm` a later reading of the same instant may fill. */
export const HEART_RHYTHM_COLUMNS = [
  'entry',
  'afib_code',
  'afib_class',
  'heart_rate_bpm',
  'qrs_ms',
  'pr_ms',
  'qt_ms',
  'qtc_ms',
  'signal_id',
  'sampling_frequency_hz',
  'wear_position',
  'signal_archive_key',
] as const satisfies readonly (keyof HeartRhythmRow)[];
/** One alertness level of a SleepWise alertness period. */
export type HourlyAlertness = { start_at: Date; end_at: Date; level: string; validity: string | null };
/** A SleepWise period (Polar): the day's alertness, or the circadian bedtime; columns of the other kind are null. */
export type SleepwiseRow = Stamped & {
  kind: 'alertness' | 'circadian_bedtime';
  start_at: Date;
  end_at: Date;
  entry: Entry;
  result_type: string | null;
  validity: string | null;
  grade?: number | null;
  grade_classification?: string | null;
  grade_type?: string | null;
  grade_validity_s?: number | null;
  sleep_inertia?: string | null;
  sleep_type?: string | null;
  sleep_start_at?: Date | null;
  sleep_end_at?: Date | null;
  hourly_levels?: HourlyAlertness[] | null;
  quality?: string | null;
  preferred_sleep_start_at?: Date | null;
  preferred_sleep_end_at?: Date | null;
  sleep_gate_start_at?: Date | null;
  sleep_gate_end_at?: Date | null;
};
export type DeviceRow = {
  device_id: string;
  model: string | null;
  device_type: string | null;
  battery_pct: number | null;
  battery_status: string | null;
  last_sync_at: Date | null;
};

export type Batch = {
  heartRate: HeartRateRow[];
  restingHeartRate: RestingHeartRateRow[];
  steps: StepsRow[];
  dailyActivity: DailyActivityRow[];
  sleepSessions: SleepSessionRow[];
  sleepStages: LooseStagesRow[];
  body: BodyRow[];
  spo2: Spo2Row[];
  hrv: HrvRow[];
  respiratory: RespiratoryRow[];
  dailyVitals: DailyVitalsRow[];
  exercises: ExerciseRow[];
  heartRhythm: HeartRhythmRow[];
  sleepwise: SleepwiseRow[];
  devices: DeviceRow[];
};

export const emptyBatch = (): Batch => ({
  heartRate: [],
  restingHeartRate: [],
  steps: [],
  dailyActivity: [],
  sleepSessions: [],
  sleepStages: [],
  body: [],
  spo2: [],
  hrv: [],
  respiratory: [],
  dailyVitals: [],
  exercises: [],
  heartRhythm: [],
  sleepwise: [],
  devices: [],
});

export const batchSize = (b: Batch) =>
  Object.values(b).reduce((n: number, rows: unknown[]) => n + rows.length, 0) +
  b.sleepSessions.reduce((n, s) => n + (s.stages?.length ?? 0), 0);
