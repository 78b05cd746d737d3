import type { BeiweStream } from '../beiwe/protocol/file-name.ts';
import { accelerometer, devicemotion, gps, gyro, magnetometer } from './motion-parsers.ts';
import { appLog, bluetooth, calls, iosLog, powerState, texts, timedEvent, wifi } from './event-parsers.ts';
import { fromUnixMs } from './load.ts';
import type { ParseContext, RowWriter } from './rows.ts';
import { ambientAudio, audioRecording, identifiers, surveyAnswers, surveyTimings } from './survey-parsers.ts';

/**
 * Where each Beiwe stream lands: its table, the LOAD DATA column list (every row's first two
 * cells are the participant and the time in Unix ms, turned into DATETIME(3) by the server), and
 * how its rows are read. `rollup` names the per-minute summary kept for it.
 */
export type StreamTable = {
  readonly table: string;
  readonly columns: readonly string[];
  /** Extra SET assignments after `t`, for columns loaded through a variable. */
  readonly set?: string;
  /**
   * The columns holding Android's float sensor values, loaded as nine digits into variables that
   * `CAST(… AS FLOAT)` turns back into the float (load.ts, `floatToLoad`).
   */
  readonly androidFloats?: readonly string[];
  readonly parse: (input: { text: string; bytes: Buffer }, ctx: ParseContext, w: RowWriter) => void;
  readonly rollup?: 'motion' | 'gps';
  /** Partitioned by day (retention drops whole days). */
  readonly partitioned?: boolean;
};

const text =
  (parse: (text: string, ctx: ParseContext, w: RowWriter) => void): StreamTable['parse'] =>
  (input, ctx, w) =>
    parse(input.text, ctx, w);
const binary =
  (parse: (bytes: Buffer, ctx: ParseContext, w: RowWriter) => void): StreamTable['parse'] =>
  (input, ctx, w) =>
    parse(input.bytes, ctx, w);

export const STREAM_TABLES: Readonly<Record<BeiweStream, StreamTable>> = {
  accelerometer: {
    table: 'accelerometer',
    columns: ['os', 'accuracy', 'x', 'y', 'z'],
    androidFloats: ['x', 'y', 'z'],
    parse: text(accelerometer),
    rollup: 'motion',
    partitioned: true,
  },
  gyro: {
    table: 'gyro',
    columns: ['os', 'accuracy', 'x_rad_s', 'y_rad_s', 'z_rad_s'],
    androidFloats: ['x_rad_s', 'y_rad_s', 'z_rad_s'],
    parse: text(gyro),
    rollup: 'motion',
    partitioned: true,
  },
  magnetometer: {
    table: 'magnetometer',
    columns: ['x_ut', 'y_ut', 'z_ut'],
    androidFloats: ['x_ut', 'y_ut', 'z_ut'],
    parse: text(magnetometer),
    rollup: 'motion',
    partitioned: true,
  },
  devicemotion: {
    table: 'devicemotion',
    columns: [
      'roll_rad',
      'pitch_rad',
      'yaw_rad',
      'rotation_rate_x_rad_s',
      'rotation_rate_y_rad_s',
      'rotation_rate_z_rad_s',
      'gravity_x_g',
      'gravity_y_g',
      'gravity_z_g',
      'user_accel_x_g',
      'user_accel_y_g',
      'user_accel_z_g',
      'magnetic_field_calibration_accuracy',
      'magnetic_field_x_ut',
      'magnetic_field_y_ut',
      'magnetic_field_z_ut',
    ],
    parse: text(devicemotion),
    rollup: 'motion',
    partitioned: true,
  },
  gps: {
    table: 'gps',
    columns: ['os', 'latitude', 'longitude', 'altitude_m', 'accuracy_m'],
    parse: text(gps),
    rollup: 'gps',
  },
  calls: { table: 'calls', columns: ['hashed_phone_number', 'call_type', 'duration_s'], parse: text(calls) },
  texts: {
    table: 'texts',
    columns: ['hashed_phone_number', 'sent_vs_received', 'message_length', '@sent'],
    set: `time_sent = ${fromUnixMs('@sent')}`,
    parse: text(texts),
  },
  power_state: { table: 'power_state', columns: ['os', 'event', 'battery_level'], parse: text(powerState) },
  wifi: { table: 'wifi', columns: ['hashed_mac', 'frequency_mhz', 'rssi_dbm'], parse: text(wifi) },
  bluetooth: { table: 'bluetooth', columns: ['hashed_mac', 'rssi_dbm'], parse: text(bluetooth) },
  proximity: { table: 'proximity', columns: ['event'], parse: text(timedEvent) },
  reachability: { table: 'reachability', columns: ['event'], parse: text(timedEvent) },
  app_log: {
    table: 'app_log',
    columns: ['@hash', 'message', '@file_ms', 'line_no', 'wrapped'],
    set: `message_hash = UNHEX(@hash), file_t = ${fromUnixMs('@file_ms')}`,
    parse: text(appLog),
  },
  ios_log: {
    table: 'ios_log',
    columns: ['@hash', 'launch_id', 'memory_mb', 'battery', 'event', 'msg', 'd1', 'd2', 'd3', 'd4'],
    set: 'row_hash = UNHEX(@hash)',
    parse: text(iosLog),
  },
  identifiers: {
    table: 'identifiers',
    columns: [
      'mac',
      'phone_number',
      'device_id',
      'device_os',
      'os_version',
      'product',
      'brand',
      'hardware_id',
      'manufacturer',
      'model',
      'beiwe_version',
    ],
    parse: text(identifiers),
  },
  survey_answers: {
    table: 'survey_answers',
    columns: [
      'survey_id',
      'row_index',
      'question_id',
      'question_type',
      'question_text',
      'question_answer_options',
      'answer',
    ],
    parse: text(surveyAnswers),
  },
  survey_timings: {
    table: 'survey_timings',
    columns: [
      'survey_id',
      '@hash',
      'question_id',
      'question_type',
      'question_text',
      'question_answer_options',
      'answer',
      'event',
    ],
    set: 'row_hash = UNHEX(@hash)',
    parse: text(surveyTimings),
  },
  audio_recordings: {
    table: 'audio_recordings',
    columns: ['survey_id', 'upload_id', 'format', 'size_bytes'],
    parse: binary(audioRecording),
  },
  ambient_audio: {
    table: 'ambient_audio',
    columns: ['upload_id', 'format', 'size_bytes'],
    parse: binary(ambientAudio),
  },
};
