import type { Knex } from 'knex';
import {
  numeric,
  preferredHeartRateQuery,
  resolveSteps,
  stepsCandidatesQuery,
  type StepsCandidate,
} from '../source-priority/resolve.ts';
import {
  dailyCandidatesQuery,
  resolveDaily,
  resolveSessions,
  sessionCandidatesQuery,
  type DailyTableName,
  type SessionTableName,
} from '../source-priority/records.ts';
import { DAILY_ACTIVITY_COLUMNS, DAILY_VITALS_COLUMNS } from '../wearables/rows.ts';
import type { Row } from './formats.ts';

/**
 * Wearable tables as extra export streams (documented in docs/data-export.md). Each row's instant
 * is `t`, which bins it by hour exactly as a Beiwe chunk; daily values (a local date, no instant)
 * take midnight UTC of that date. Names start `wearable_` so none can clash with a Beiwe stream.
 */
export const WEARABLE_STREAMS = [
  'wearable_heart_rate',
  'wearable_resting_heart_rate',
  'wearable_steps',
  'wearable_daily_activity',
  'wearable_sleep_sessions',
  'wearable_sleep_stages',
  'wearable_body_measurements',
  'wearable_spo2',
  'wearable_hrv',
  'wearable_respiratory_rate',
  'wearable_exercises',
  'wearable_device_status',
  'wearable_heart_rhythm',
  'wearable_daily_vitals',
  'wearable_sleepwise_periods',
  'wearable_heart_rate_preferred',
  'wearable_steps_preferred',
  'wearable_resting_heart_rate_preferred',
  'wearable_daily_activity_preferred',
  'wearable_daily_vitals_preferred',
  'wearable_sleep_sessions_preferred',
  'wearable_exercises_preferred',
] as const;
export type WearableStream = (typeof WEARABLE_STREAMS)[number];

export type WearableFormat = {
  /** Header columns after `timestamp,UTC time`. */
  readonly header: string;
  /** One participant's rows whose `t` lies in [from, to), by time, with a stable order within an instant. */
  readonly query: (db: Knex, participantId: number, from: Date | undefined, to: Date | undefined) => Knex.QueryBuilder;
  readonly cells: (r: Row) => string;
  /**
   * Turns the query's rows into the stream's, still by `t` (the preferred steps, resolved as they
   * stream); absent: the query's rows are the stream's.
   */
  readonly resolve?: (rows: AsyncIterable<Row>, from: Date | undefined, to: Date | undefined) => AsyncIterable<Row>;
};

/** RFC 4180 quoting where needed: device names, sports and the zones' JSON may hold commas. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return utcTime(v);
  if (typeof v === 'number') return String(v);
  const s = String(v as string);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const utcTime = (d: Date) => d.toISOString().slice(0, 23);
const isoDate = (d: unknown) => (d instanceof Date ? d.toISOString().slice(0, 10) : '');

/** Timed columns other than the row's own instant, named as the `UTC time` column is. */
const HEADER_NAMES: Readonly<Record<string, string>> = {
  end_at: 'end UTC time',
  last_sync_at: 'last sync UTC time',
  last_seen_at: 'last seen UTC time',
  sleep_start_at: 'sleep start UTC time',
  sleep_end_at: 'sleep end UTC time',
  preferred_sleep_start_at: 'preferred sleep start UTC time',
  preferred_sleep_end_at: 'preferred sleep end UTC time',
  sleep_gate_start_at: 'sleep gate start UTC time',
  sleep_gate_end_at: 'sleep gate end UTC time',
};
/** DECIMAL columns come back as strings ("97.50"): written as the number they are. */
const DECIMALS = new Set(['spo2_pct', 'breaths_per_min']);
const OFFSET = 'utc_offset_min';

/** A table of timed samples: `time` becomes `t`, then the listed columns in order. */
function sampled(
  table: string,
  time: string,
  columns: readonly string[],
  tieBreak: readonly string[] = []
): WearableFormat {
  return {
    header: columns.map((c) => HEADER_NAMES[c] ?? c).join(','),
    query: (db, participantId, from, to) => {
      const q = db(table)
        .select([`${time} as t`, ...columns])
        .where('participant_id', participantId)
        .orderBy([time, 'source', 'connection_id', ...tieBreak]);
      if (from) void q.where(time, '>=', from);
      if (to) void q.where(time, '<', to);
      return q;
    },
    cells: (r) =>
      columns
        .map((c) =>
          c === 'local_date' ? isoDate(r[c]) : DECIMALS.has(c) && r[c] !== null ? cell(Number(r[c])) : cell(r[c])
        )
        .join(','),
  };
}

const BODY = ['weight_kg', 'fat_ratio_pct', 'fat_mass_kg', 'systolic_mmhg', 'diastolic_mmhg', 'temperature_c'];
/**
 * Columns added after a stream was first published go at the end of its row, so a reader that
 * takes columns by position keeps reading the earlier ones where they were.
 */
const BODY_ADDED = [
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
  'entry',
];
const RHYTHM = [
  'method',
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
  'entry',
];
const SLEEP = ['session_id', 'end_at', 'local_date', 'asleep_s', 'awake_s', 'light_s', 'deep_s', 'rem_s', 'score'];
const EXERCISE = [
  'exercise_id',
  'duration_s',
  'sport',
  'calories_kcal',
  'distance_m',
  'hr_avg_bpm',
  'hr_max_bpm',
  'hr_zones',
];
/** Polar's Nightly Recharge columns, added after the stream was published: after `entry`. */
const RECHARGE: readonly string[] = [
  'ans_charge',
  'ans_charge_status',
  'nightly_recharge_status',
  'recharge_hr_avg_bpm',
  'recharge_beat_interval_avg_ms',
];
/** The table's columns, written once (wearables/rows.ts); `entry` after the first published ones. */
const VITALS = [...DAILY_VITALS_COLUMNS.filter((c) => c !== 'entry' && !RECHARGE.includes(c)), 'entry', ...RECHARGE];
const SLEEPWISE = [
  'kind',
  'end_at',
  'result_type',
  'validity',
  'grade',
  'grade_classification',
  'grade_type',
  'grade_validity_s',
  'sleep_inertia',
  'sleep_type',
  'sleep_start_at',
  'sleep_end_at',
  'hourly_levels',
  'quality',
  'preferred_sleep_start_at',
  'preferred_sleep_end_at',
  'sleep_gate_start_at',
  'sleep_gate_end_at',
];
const DEVICE = ['device_id', 'model', 'device_type', 'battery_pct', 'battery_status', 'last_sync_at', 'last_seen_at'];

const HEART_RATE = ['source', 'device', 'context', 'bpm', OFFSET, 'entry'];
const STEPS = ['source', 'device', 'end_at', 'steps', OFFSET, 'entry'];
const WEARABLE_HEART_RATE_HEADER = HEART_RATE.join(',');
const WEARABLE_STEPS_HEADER = STEPS.map((c) => HEADER_NAMES[c] ?? c).join(',');

const RESTING_HEART_RATE = sampled('resting_heart_rate', 'local_date', ['source', 'device', 'local_date', 'bpm']);
/** The table's columns in the order it was published, the cardio load appended (wearables/rows.ts). */
const DAILY_ACTIVITY = sampled('daily_activity', 'local_date', [
  'source',
  'device',
  'local_date',
  ...DAILY_ACTIVITY_COLUMNS,
]);
const SLEEP_SESSIONS = sampled(
  'sleep_sessions',
  'start_at',
  ['source', 'device', ...SLEEP, OFFSET, 'entry'],
  ['session_id']
);
const DAILY_VITALS = sampled('daily_vitals', 'local_date', ['source', 'device', 'local_date', ...VITALS]);
const EXERCISES = sampled('exercises', 'start_at', ['source', 'device', ...EXERCISE, OFFSET, 'entry'], ['exercise_id']);

/** The study's preferred rows of a per-day table (source-priority/records.ts), columns as the stream of every source. */
const preferredDaily = (all: WearableFormat, table: DailyTableName): WearableFormat => ({
  ...all,
  query: dailyCandidatesQuery(table),
  resolve: resolveDaily(table),
});
/** The study's preferred sessions (source-priority/records.ts), columns as the stream of every source. */
const preferredSessions = (all: WearableFormat, table: SessionTableName): WearableFormat => ({
  ...all,
  query: sessionCandidatesQuery(table),
  resolve: resolveSessions(table),
});

export const WEARABLE_FORMATS: Readonly<Record<WearableStream, WearableFormat>> = {
  wearable_heart_rate: sampled('heart_rate', 'measured_at', HEART_RATE, ['context']),
  wearable_resting_heart_rate: RESTING_HEART_RATE,
  wearable_steps: sampled('steps', 'start_at', STEPS),
  wearable_daily_activity: DAILY_ACTIVITY,
  wearable_sleep_sessions: SLEEP_SESSIONS,
  wearable_sleep_stages: {
    header: `source,device,session_id,${HEADER_NAMES.end_at},stage,${OFFSET}`,
    // Stages carry no participant: they are reached through their session.
    query: (db, participantId, from, to) => {
      const q = db('sleep_stages as st')
        .join('sleep_sessions as s', function () {
          this.on('s.connection_id', '=', 'st.connection_id').andOn('s.session_id', '=', 'st.session_id');
        })
        .select('st.start_at as t', 's.source', 's.device', 'st.session_id', 'st.end_at', 'st.stage', `st.${OFFSET}`)
        .where('s.participant_id', participantId)
        .orderBy(['st.start_at', 's.source', 'st.connection_id', 'st.session_id']);
      if (from) void q.where('st.start_at', '>=', from);
      if (to) void q.where('st.start_at', '<', to);
      return q;
    },
    cells: (r) => [r.source, r.device, r.session_id, r.end_at, r.stage, r[OFFSET]].map(cell).join(','),
  },
  wearable_body_measurements: sampled('body_measurements', 'measured_at', [
    'source',
    'device',
    ...BODY,
    OFFSET,
    ...BODY_ADDED,
  ]),
  wearable_spo2: sampled('spo2', 'measured_at', ['source', 'device', 'spo2_pct', OFFSET, 'entry']),
  wearable_hrv: sampled('hrv', 'measured_at', ['source', 'device', 'rmssd_ms', 'sdnn_ms', OFFSET]),
  wearable_respiratory_rate: sampled('respiratory_rate', 'measured_at', [
    'source',
    'device',
    'breaths_per_min',
    OFFSET,
    'deep_sleep_breaths_per_min',
    'light_sleep_breaths_per_min',
    'rem_sleep_breaths_per_min',
  ]),
  wearable_exercises: EXERCISES,
  // The device list is a state, not samples: a device sits in the hour it was first seen, and that
  // hour changes (and is downloaded again) whenever a pull updates its battery or sync time.
  wearable_device_status: sampled('device_status', 'first_seen_at', ['source', ...DEVICE], ['device_id']),
  // The signal's archive key is Vigil's own path, not data: the signal itself is not exported.
  wearable_heart_rhythm: sampled('heart_rhythm', 'recorded_at', ['source', 'device', ...RHYTHM, OFFSET], ['method']),
  wearable_daily_vitals: DAILY_VITALS,
  wearable_sleepwise_periods: sampled(
    'sleepwise_periods',
    'start_at',
    ['source', 'device', ...SLEEPWISE, OFFSET, 'entry'],
    ['kind']
  ),
  // The study's preferred source only (docs/data-export.md, source priority), columns as the stream of every source.
  wearable_heart_rate_preferred: {
    header: WEARABLE_HEART_RATE_HEADER,
    query: preferredHeartRateQuery,
    cells: (r) => HEART_RATE.map((c) => cell(r[c])).join(','),
  },
  wearable_steps_preferred: {
    header: WEARABLE_STEPS_HEADER,
    query: stepsCandidatesQuery,
    resolve: (rows, from, to) => resolveSteps(candidates(rows), from, to) as AsyncIterable<Row>,
    cells: (r) => STEPS.map((c) => cell(r[c])).join(','),
  },
  wearable_resting_heart_rate_preferred: preferredDaily(RESTING_HEART_RATE, 'resting_heart_rate'),
  wearable_daily_activity_preferred: preferredDaily(DAILY_ACTIVITY, 'daily_activity'),
  wearable_daily_vitals_preferred: preferredDaily(DAILY_VITALS, 'daily_vitals'),
  wearable_sleep_sessions_preferred: preferredSessions(SLEEP_SESSIONS, 'sleep_sessions'),
  wearable_exercises_preferred: preferredSessions(EXERCISES, 'exercises'),
};

async function* candidates(rows: AsyncIterable<Row>): AsyncGenerator<StepsCandidate> {
  for await (const r of rows) yield numeric(r as StepsCandidate);
}
