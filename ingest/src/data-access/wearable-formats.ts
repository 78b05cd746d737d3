import type { Knex } from 'knex';
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
] as const;
export type WearableStream = (typeof WEARABLE_STREAMS)[number];

export type WearableFormat = {
  /** Header columns after `timestamp,UTC time`. */
  readonly header: string;
  /** One participant's rows whose `t` lies in [from, to), by time, with a stable order within an instant. */
  readonly query: (db: Knex, participantId: number, from: Date | undefined, to: Date | undefined) => Knex.QueryBuilder;
  readonly cells: (r: Row) => string;
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
const DEVICE = ['device_id', 'model', 'device_type', 'battery_pct', 'battery_status', 'last_sync_at', 'last_seen_at'];

export const WEARABLE_FORMATS: Readonly<Record<WearableStream, WearableFormat>> = {
  wearable_heart_rate: sampled(
    'heart_rate',
    'measured_at',
    ['source', 'device', 'context', 'bpm', OFFSET],
    ['context']
  ),
  wearable_resting_heart_rate: sampled('resting_heart_rate', 'local_date', ['source', 'device', 'local_date', 'bpm']),
  wearable_steps: sampled('steps', 'start_at', ['source', 'device', 'end_at', 'steps', OFFSET]),
  wearable_daily_activity: sampled('daily_activity', 'local_date', [
    'source',
    'device',
    'local_date',
    'steps',
    'active_duration_s',
    'calories_kcal',
    'distance_m',
  ]),
  wearable_sleep_sessions: sampled(
    'sleep_sessions',
    'start_at',
    ['source', 'device', ...SLEEP, OFFSET],
    ['session_id']
  ),
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
  wearable_body_measurements: sampled('body_measurements', 'measured_at', ['source', 'device', ...BODY, OFFSET]),
  wearable_spo2: sampled('spo2', 'measured_at', ['source', 'device', 'spo2_pct', OFFSET]),
  wearable_hrv: sampled('hrv', 'measured_at', ['source', 'device', 'rmssd_ms', 'sdnn_ms', OFFSET]),
  wearable_respiratory_rate: sampled('respiratory_rate', 'measured_at', [
    'source',
    'device',
    'breaths_per_min',
    OFFSET,
  ]),
  wearable_exercises: sampled('exercises', 'start_at', ['source', 'device', ...EXERCISE, OFFSET], ['exercise_id']),
  // The device list is a state, not samples: a device sits in the hour it was first seen, and that
  // hour changes (and is downloaded again) whenever a pull updates its battery or sync time.
  wearable_device_status: sampled('device_status', 'first_seen_at', ['source', ...DEVICE], ['device_id']),
};
