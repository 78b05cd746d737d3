import type { BeiweStream } from '../beiwe/protocol/file-name.ts';
import { STREAM_TABLES } from '../streams/catalog.ts';
import { fromStored, javaFixed16, javaFloatFixed16, swiftDouble, swiftFloat } from '../streams/phone-numbers.ts';

/**
 * Beiwe's processed chunk CSVs (spec §5.2) rebuilt from Vigil's tables: the per-OS reference
 * header with `UTC time` at index 1, and each row's cells after the time. `os` is the row's own
 * where the table keeps it, else the participant's phone (1 Android, 2 iOS).
 */
export type Row = Record<string, unknown>;
export type Os = 1 | 2;

export type ChunkFormat = {
  readonly table: string;
  readonly select: readonly string[];
  /** After `participant_id`: the primary key's order, so rows come out as Beiwe sorts them. */
  readonly order: readonly string[];
  /** Then this, for rows sharing a millisecond that the phone wrote in an order the key does not keep. */
  readonly thenOrderRaw?: string;
  /**
   * The phone that wrote a row, for a table without an `os` column whose layout differs by OS: a
   * participant who changed phones keeps each phone's layout for its own hours, as Beiwe's header
   * follows the OS of each upload.
   */
  readonly osOf?: (r: Row) => Os;
  /** Header columns after `timestamp,UTC time`. */
  readonly header: (os: Os) => string;
  readonly cells: (r: Row, os: Os, patientId: string) => string;
};

const FLT_MIN = 1.1754943508222875e-38;

/** The shortest decimal that reads back as the same float32: FLOAT columns give doubles like 9.806650161743164. */
export function float32(v: unknown): string {
  if (v === null || v === undefined) return '';
  // CAST(… AS DOUBLE) can come back a hair off the float32 it was; fround restores it.
  const n = Math.fround(Number(v));
  // A float32 needs at most 9 digits. A normal one that needs fewer than 6 reads back from 6 digits
  // too (padded with zeros, which String drops), so the search starts there: sensor values mostly
  // need 7 or 8. Subnormals have fewer bits, so they may need fewer digits than that.
  for (let digits = Math.abs(n) < FLT_MIN ? 1 : 6; digits < 9; digits++) {
    const x = Number(n.toPrecision(digits));
    if (Math.fround(x) === n) return String(x);
  }
  return String(Number(n.toPrecision(9)));
}

/**
 * A sensor value as the phone printed it (spec §4.5): Android's float with Java `%.16f`, iOS's
 * double as Swift's shortest form. The row's own phone decides where the table keeps it.
 */
const sensor = (v: unknown, os: Os) => (os === 2 ? swiftDouble(fromStored(v)) : javaFloatFixed16(fromStored(v)));
const rowOs = (r: Row, os: Os): Os => (r.os === 1 || r.os === 2 ? r.os : os);

/** iOS writes the magnetic field's calibration as a word; the table keeps CMMagneticFieldCalibrationAccuracy's number. */
const CALIBRATION_WORDS: Readonly<Record<string, string>> = { '-1': 'uncalibrated', 0: 'low', 1: 'medium', 2: 'high' };

/** Cells come from the database as strings, numbers or null. */
const text = (v: unknown) => (v === null || v === undefined ? '' : String(v as string | number));
const fixed = (columns: string) => () => columns;

const XYZ = 'x,y,z';
const DEVICEMOTION =
  'roll,pitch,yaw,rotation_rate_x,rotation_rate_y,rotation_rate_z,gravity_x,gravity_y,gravity_z,user_accel_x,user_accel_y,user_accel_z,magnetic_field_calibration_accuracy,magnetic_field_x,magnetic_field_y,magnetic_field_z';
// The tables' own column lists: one definition of what each table holds.
const DEVICEMOTION_COLUMNS = STREAM_TABLES.devicemotion.columns;
const IDENTIFIERS = STREAM_TABLES.identifiers.columns;
const IOS_LOG = ['launch_id', 'memory_mb', 'battery', 'event', 'msg', 'd1', 'd2', 'd3', 'd4'];
const TIMINGS = [
  'survey_id',
  'question_id',
  'question_type',
  'question_text',
  'question_answer_options',
  'answer',
  'event',
];

/** The bare rows Android writes into survey timings (spec §4.2). */
const ANDROID_TIMING_EVENTS: ReadonlySet<string> = new Set([
  'Survey first rendered and displayed to user',
  'User hit submit',
]);

const event = (table: string): ChunkFormat => ({
  table,
  select: ['event'],
  order: ['t', 'event'],
  header: fixed('event'),
  cells: (r) => text(r.event),
});

export const CHUNK_FORMATS: Readonly<Partial<Record<BeiweStream, ChunkFormat>>> = {
  accelerometer: {
    table: 'accelerometer',
    select: ['os', 'accuracy', 'x', 'y', 'z'],
    order: ['t'],
    header: fixed(`accuracy,${XYZ}`),
    // iOS values stay in g, as Beiwe serves them.
    cells: (r, os) => {
      const o = rowOs(r, os);
      return `${text(r.accuracy ?? 'unknown')},${sensor(r.x, o)},${sensor(r.y, o)},${sensor(r.z, o)}`;
    },
  },
  gyro: {
    table: 'gyro',
    select: ['os', 'accuracy', 'x_rad_s', 'y_rad_s', 'z_rad_s'],
    order: ['t'],
    header: (os) => (os === 2 ? XYZ : `accuracy,${XYZ}`),
    cells: (r, os) => {
      const o = rowOs(r, os);
      const xyz = `${sensor(r.x_rad_s, o)},${sensor(r.y_rad_s, o)},${sensor(r.z_rad_s, o)}`;
      return os === 2 ? xyz : `${text(r.accuracy ?? 'unknown')},${xyz}`;
    },
  },
  magnetometer: {
    table: 'magnetometer',
    select: ['x_ut', 'y_ut', 'z_ut'],
    order: ['t'],
    header: fixed(XYZ),
    // iOS only.
    cells: (r) =>
      `${swiftDouble(fromStored(r.x_ut))},${swiftDouble(fromStored(r.y_ut))},${swiftDouble(fromStored(r.z_ut))}`,
  },
  devicemotion: {
    table: 'devicemotion',
    select: DEVICEMOTION_COLUMNS,
    order: ['t'],
    header: fixed(DEVICEMOTION),
    cells: (r) =>
      DEVICEMOTION_COLUMNS.map((c) =>
        c === 'magnetic_field_calibration_accuracy'
          ? (CALIBRATION_WORDS[String(r[c])] ?? 'unknown')
          : swiftDouble(fromStored(r[c]))
      ).join(','),
  },
  gps: {
    table: 'gps',
    select: ['os', 'latitude', 'longitude', 'altitude_m', 'accuracy_m'],
    order: ['t'],
    header: fixed('latitude,longitude,altitude,accuracy'),
    // Android: doubles with %.16f, but the accuracy is a float; iOS: all doubles.
    cells: (r, os) => {
      const o = rowOs(r, os);
      const double = (v: unknown) => (o === 2 ? swiftDouble(fromStored(v)) : javaFixed16(fromStored(v)));
      return `${double(r.latitude)},${double(r.longitude)},${double(r.altitude_m)},${sensor(r.accuracy_m, o)}`;
    },
  },
  calls: {
    table: 'calls',
    select: ['hashed_phone_number', 'call_type', 'duration_s'],
    order: ['t', 'hashed_phone_number'],
    header: fixed('hashed phone number,call type,duration in seconds'),
    cells: (r) => `${text(r.hashed_phone_number)},${text(r.call_type)},${text(r.duration_s)}`,
  },
  texts: {
    table: 'texts',
    select: ['hashed_phone_number', 'sent_vs_received', 'message_length', 'time_sent'],
    order: ['t', 'hashed_phone_number', 'sent_vs_received'],
    header: fixed('hashed phone number,sent vs received,message length,time sent'),
    // Four row shapes (§4.2): only a received SMS has the fifth cell, and a sent MMS's length is `MMS`.
    cells: (r) => {
      const length = r.message_length ?? (r.sent_vs_received === 'sent MMS' ? 'MMS' : '');
      const sent = r.time_sent instanceof Date ? `,${r.time_sent.getTime()}` : '';
      return `${text(r.hashed_phone_number)},${text(r.sent_vs_received)},${text(length)}${sent}`;
    },
  },
  power_state: {
    table: 'power_state',
    select: ['os', 'event', 'battery_level'],
    order: ['t', 'event'],
    header: (os) => (os === 2 ? 'event,level' : 'event'),
    // The table keeps iOS's "unknown" level (−1) as NULL; the level is Swift `String(Float)`.
    cells: (r, os) =>
      os === 2
        ? `${text(r.event)},${swiftFloat(r.battery_level === null ? -1 : Number(r.battery_level))}`
        : text(r.event),
  },
  wifi: {
    table: 'wifi',
    select: ['hashed_mac', 'frequency_mhz', 'rssi_dbm'],
    order: ['t', 'hashed_mac'],
    header: fixed('hashed MAC,frequency,RSSI'),
    cells: (r) => `${text(r.hashed_mac)},${text(r.frequency_mhz)},${text(r.rssi_dbm)}`,
  },
  bluetooth: {
    table: 'bluetooth',
    select: ['hashed_mac', 'rssi_dbm'],
    order: ['t', 'hashed_mac'],
    header: fixed('hashed MAC,RSSI'),
    cells: (r) => `${text(r.hashed_mac)},${text(r.rssi_dbm)}`,
  },
  proximity: event('proximity'),
  reachability: event('reachability'),
  ios_log: {
    table: 'ios_log',
    select: IOS_LOG,
    order: ['t'],
    // d4 is the app's event counter: within a millisecond it is the order the rows were written in,
    // which is Beiwe's (a stable sort of the files in path order).
    thenOrderRaw: 'CAST(d4 AS UNSIGNED), row_hash',
    header: fixed('launchId,memory,battery,event,msg,d1,d2,d3,d4'),
    // Memory is a whole number of MB (Swift `String(UInt64)`), the battery a `String(Float)`.
    cells: (r) =>
      IOS_LOG.map((c) =>
        c === 'memory_mb'
          ? float32(r[c])
          : c === 'battery'
            ? r[c] === null
              ? ''
              : swiftFloat(Number(r[c]))
            : text(r[c])
      ).join(','),
  },
  identifiers: {
    table: 'identifiers',
    select: IDENTIFIERS,
    order: ['t'],
    header: fixed(
      'patient_id,MAC,phone_number,device_id,device_os,os_version,product,brand,hardware_id,manufacturer,model,beiwe_version'
    ),
    cells: (r, _os, patientId) => [patientId, ...IDENTIFIERS.map((c) => text(r[c]))].join(','),
  },
  survey_timings: {
    table: 'survey_timings',
    select: TIMINGS,
    order: ['survey_id', 't', 'row_hash'],
    // Android's question rows have no event cell, and its two bare rows are its own texts; every
    // iOS row has an event cell.
    osOf: (r) => (r.event === null || ANDROID_TIMING_EVENTS.has(text(r.event)) ? 1 : 2),
    header: (os) =>
      `question id,survey id,question type,question text,question answer options,answer${os === 2 ? ',event' : ''}`,
    cells: (r, os) => {
      const survey = text(r.survey_id);
      // Android's bare `ts,<event>` rows: Beiwe's insert at index 2 lands after the event.
      if (os === 1 && r.question_id === '' && r.question_type === '' && r.event !== null) {
        return `${text(r.event)},${survey}`;
      }
      const answer = `${text(r.question_id)},${survey},${text(r.question_type)},${text(r.question_text)},${text(
        r.question_answer_options
      )},${text(r.answer)}`;
      return os === 2 ? `${answer},${text(r.event)}` : answer;
    },
  },
};

/** FLOAT columns: MariaDB's text protocol prints them with 6 significant digits, so they are read as DOUBLE. */
export const FLOAT_COLUMNS: ReadonlySet<string> = new Set(['battery_level', 'memory_mb', 'battery']);

/**
 * DOUBLE columns whose every bit counts: the text protocol prints about one double in a thousand an
 * ulp off (9.788163622841239 comes as 9.78816362284124), while `CAST(… AS CHAR)` reads back exactly.
 */
export const DOUBLE_COLUMNS: ReadonlySet<string> = new Set([
  'x',
  'y',
  'z',
  'x_rad_s',
  'y_rad_s',
  'z_rad_s',
  'x_ut',
  'y_ut',
  'z_ut',
  ...DEVICEMOTION_COLUMNS.filter((c) => c !== 'magnetic_field_calibration_accuracy'),
  'latitude',
  'longitude',
  'altitude_m',
  'accuracy_m',
]);

/** Streams served as the uploaded objects themselves, one entry per file (spec §5.3). */
export const UNCHUNKED: ReadonlySet<BeiweStream> = new Set(['survey_answers', 'audio_recordings', 'ambient_audio']);

export const SURVEY_ANSWERS_HEADER = 'question id,question type,question text,question answer options,answer';
