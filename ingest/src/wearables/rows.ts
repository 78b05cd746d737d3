/**
 * The unified rows a pull produces, one type per measurement table. Times are UTC instants; each
 * row keeps the patient's local offset at that instant (minutes east of UTC). Column names carry
 * units. The writer adds `connection_id`, `participant_id` and `source`.
 */
type Stamped = { device: string | null; utc_offset_min: number };

export type HeartRateRow = Stamped & {
  context: 'intraday' | 'sleep' | 'exercise' | 'continuous' | 'spot';
  measured_at: Date;
  bpm: number;
};
export type RestingHeartRateRow = { device: string | null; local_date: string; bpm: number };
export type StepsRow = Stamped & { start_at: Date; end_at: Date; steps: number };
export type DailyActivityRow = {
  device: string | null;
  local_date: string;
  steps: number | null;
  active_duration_s: number | null;
  calories_kcal: number | null;
  distance_m: number | null;
};
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
};
export type Spo2Row = Stamped & { measured_at: Date; spo2_pct: number };
export type HrvRow = Stamped & { measured_at: Date; rmssd_ms: number | null; sdnn_ms: number | null };
export type RespiratoryRow = Stamped & { measured_at: Date; breaths_per_min: number };
export type ExerciseZone = { index: number; lower_bpm: number; upper_bpm: number; in_zone_s: number };
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
  exercises: ExerciseRow[];
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
  exercises: [],
  devices: [],
});

export const batchSize = (b: Batch) =>
  Object.values(b).reduce((n: number, rows: unknown[]) => n + rows.length, 0) +
  b.sleepSessions.reduce((n, s) => n + (s.stages?.length ?? 0), 0);
