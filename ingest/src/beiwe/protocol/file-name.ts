/** Vigil's names for the Beiwe data streams (the backend's `data_stream_constants`). */
export const BEIWE_STREAMS = [
  'accelerometer',
  'gyro',
  'magnetometer',
  'devicemotion',
  'gps',
  'calls',
  'texts',
  'power_state',
  'wifi',
  'bluetooth',
  'proximity',
  'reachability',
  'app_log',
  'ios_log',
  'identifiers',
  'survey_answers',
  'survey_timings',
  'audio_recordings',
  'ambient_audio',
] as const;
export type BeiweStream = (typeof BEIWE_STREAMS)[number];

/** File-name segment → stream (`UPLOAD_FILE_TYPE_MAPPING`, spec §4.1). */
const UPLOAD_NAME_TO_STREAM: ReadonlyMap<string, BeiweStream> = new Map([
  ['accel', 'accelerometer'],
  ['gyro', 'gyro'],
  ['magnetometer', 'magnetometer'],
  ['devicemotion', 'devicemotion'],
  ['gps', 'gps'],
  ['callLog', 'calls'],
  ['textsLog', 'texts'],
  ['powerState', 'power_state'],
  ['wifiLog', 'wifi'],
  ['bluetoothLog', 'bluetooth'],
  ['proximity', 'proximity'],
  ['reachability', 'reachability'],
  ['logFile', 'app_log'],
  ['ios_log', 'ios_log'],
  ['surveyAnswers', 'survey_answers'],
  ['surveyTimings', 'survey_timings'],
  ['voiceRecording', 'audio_recordings'],
  ['ambientAudio', 'ambient_audio'],
  ['identifiers', 'identifiers'],
]);

const SURVEY_ID_STREAMS: ReadonlySet<BeiweStream> = new Set(['survey_answers', 'survey_timings', 'audio_recordings']);
export const ACCEPTED_EXTENSIONS = ['csv', 'json', 'mp4', 'wav', 'txt', 'jpg'] as const;
export type UploadExtension = (typeof ACCEPTED_EXTENSIONS)[number];
const BINARY_EXTENSIONS: ReadonlySet<UploadExtension> = new Set(['mp4', 'wav', 'jpg']);

/** 2014-08-01, a month before the first Beiwe deployment; earlier times are corrupt clocks. */
export const EARLIEST_FILE_TIMESTAMP_S = 1406851200;
const LATEST_AHEAD_S = 90 * 86400;

const MAX_NAME_LENGTH = 255;
// The archive allows 200 per path segment; the last one also gets `.<16 hex digits>` of the content's hash.
const MAX_SEGMENT_LENGTH = 180;
const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

export type ParsedFileName = {
  ok: true;
  name: string;
  patientId: string;
  stream: BeiweStream;
  /** `file_name` with every `_` turned into `/`, as the backend stores it. */
  path: string;
  timestamp: Date;
  /** The name's time in milliseconds where it has 13 digits (most Android files), else `timestamp`'s. */
  stampMs: number;
  surveyId?: string;
  extension: UploadExtension;
  binary: boolean;
};

/**
 * `obviously_invalid` is the backend's own junk test (§3.6: answer 200 `file obviously invalid.`);
 * the other codes are Vigil's stricter checks on a name that is otherwise plausible.
 */
export type FileNameRejection = {
  ok: false;
  code: 'obviously_invalid' | 'unsafe' | 'malformed' | 'unknown_stream' | 'bad_timestamp';
  reason: string;
};

function isAcceptedExtension(extension: string): extension is UploadExtension {
  return (ACCEPTED_EXTENSIONS as readonly string[]).includes(extension);
}

const reject = (code: FileNameRejection['code'], reason: string): FileNameRejection => ({ ok: false, code, reason });

/**
 * Parses an uploaded `file_name` such as `abcd1234_accel_1700000000000.csv`,
 * `abcd1234_surveyTimings_<surveyId>_1700000000000.csv` or
 * `abcd1234_voiceRecording_<surveyId>_1700000000.mp4` (spec §3.6, §4.1).
 * The patient id is only read from the name; callers must check it is the authenticated one.
 */
export function parseUploadFileName(name: string, now: Date): ParsedFileName | FileNameRejection {
  if (!name || name.startsWith('rList') || name.startsWith('PersistedInstallation')) {
    return reject('obviously_invalid', 'empty or known junk file name');
  }
  const dot = name.lastIndexOf('.');
  const extension = dot < 0 ? '' : name.slice(dot + 1);
  if (!isAcceptedExtension(extension)) return reject('obviously_invalid', `extension '${extension}' is not accepted`);

  // The name becomes a storage path, so nothing may escape or confuse it.
  if (name.includes('..') || name.includes('/') || name.includes('\\') || /\p{Cc}/u.test(name)) {
    return reject('unsafe', 'file name contains a path separator, "..", or a control character');
  }

  // Every `_` becomes a folder of the archive key, which takes only these characters (and the name
  // itself is kept in a 255-character column).
  if (name.length > MAX_NAME_LENGTH) return reject('unsafe', `file name is over ${MAX_NAME_LENGTH} characters`);
  if (!SAFE_NAME.test(name)) {
    return reject('unsafe', 'file name has a character other than letters, digits, ".", "-" and "_"');
  }

  const segments = name.slice(0, dot).split('_');
  const patientId = segments[0]!;
  const timeSegment = segments[segments.length - 1]!;
  if (!patientId || segments.length < 3) return reject('malformed', 'expected {patient id}_{stream}_{time}');

  const path = name.replaceAll('_', '/');
  const streamIndex = segments.findIndex((s, i) => i > 0 && i < segments.length - 1 && UPLOAD_NAME_TO_STREAM.has(s));
  let stream = streamIndex > 0 ? UPLOAD_NAME_TO_STREAM.get(segments[streamIndex]!) : undefined;
  // iOS names its log `pid_ios_log_<ms>.csv`, which the `_`→`/` rewrite splits in two.
  if (!stream && path.includes('identifiers')) stream = 'identifiers';
  if (!stream && path.includes('ios/log')) stream = 'ios_log';
  if (!stream) return reject('unknown_stream', 'no known data stream in the file name');

  if (!/^\d{10,}$/.test(timeSegment)) return reject('bad_timestamp', `'${timeSegment}' is not a Unix time`);
  // Android names some audio in seconds and everything else in milliseconds; the backend reads
  // the first 10 digits of either as seconds.
  const seconds = Number(timeSegment.slice(0, 10));
  if (seconds < EARLIEST_FILE_TIMESTAMP_S || seconds > Math.floor(now.getTime() / 1000) + LATEST_AHEAD_S) {
    return reject('bad_timestamp', `time ${seconds} is before 2014-08-01 or more than 90 days ahead`);
  }

  // …in folders that are neither empty nor hidden nor too long.
  if (path.split('/').some((s) => s === '' || s.startsWith('.') || s.length > MAX_SEGMENT_LENGTH)) {
    return reject('unsafe', `file name has an empty, hidden or over-${MAX_SEGMENT_LENGTH}-character part`);
  }

  const parsed: ParsedFileName = {
    ok: true,
    name,
    patientId,
    stream,
    path,
    timestamp: new Date(seconds * 1000),
    stampMs: timeSegment.length === 13 ? Number(timeSegment) : seconds * 1000,
    extension,
    binary: BINARY_EXTENSIONS.has(extension),
  };
  // The survey id is the segment just before the time, when there is one after the stream's.
  const surveyIdIndex = segments.length - 2;
  if (SURVEY_ID_STREAMS.has(stream) && surveyIdIndex > streamIndex && segments[surveyIdIndex]) {
    parsed.surveyId = segments[surveyIdIndex];
  }
  return parsed;
}
