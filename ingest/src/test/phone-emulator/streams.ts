import { mp4Bytes, wavBytes } from './audio.ts';
import {
  appLogRows,
  batteryLevel,
  bluetoothRows,
  callRows,
  powerStateRows,
  proximityRows,
  reachabilityRows,
  textRows,
  wifiScans,
} from './event-streams.ts';
import { ambientAudioFileName, streamFileName, voiceRecordingFileName } from './file-names.ts';
import { headerOf } from './headers.ts';
import { accelerometerRows, devicemotionRows, gpsRows, gyroRows, magnetometerRows } from './sensor-streams.ts';
import type { StreamContext } from './stream-context.ts';
import { takeTrackingSurvey } from './survey-streams.ts';
import type { SurveySet } from './surveys.ts';
import type { TimedRows } from './timeline.ts';
import { onPeriods, rotationWindows } from './timeline.ts';
import type { PlainFile, StreamId } from './types.ts';
import { streamsByOs } from './types.ts';

export { streamHeaders, headerOf } from './headers.ts';

/**
 * Every stream a phone uploads over [ctx.from, ctx.to), as plaintext files in upload order
 * (specs/beiwe-protocol.md §4.1, §4.2). Deterministic for a given context seed.
 */

const rowGenerators: Partial<Record<StreamId, (ctx: StreamContext) => TimedRows>> = {
  accelerometer: accelerometerRows,
  gyro: gyroRows,
  magnetometer: magnetometerRows,
  devicemotion: devicemotionRows,
  gps: gpsRows,
  calls: callRows,
  texts: textRows,
  power_state: powerStateRows,
  bluetooth: bluetoothRows,
  proximity: proximityRows,
  reachability: reachabilityRows,
  app_log: appLogRows,
};

/** iOS buffers these (100 samples) before its first write, so their files are named a little after the first sample. */
const BUFFERED = new Set<StreamId>(['accelerometer', 'gyro', 'magnetometer', 'devicemotion', 'gps']);

/** A survey session every 6 hours, the first 20 minutes in, so even a one-hour run has one. */
const SURVEY_FIRST_MS = 20 * 60_000;
const SURVEY_EVERY_MS = 6 * 3_600_000;

export function generatePlainFiles(ctx: StreamContext, surveys: SurveySet, streams?: readonly StreamId[]): PlainFile[] {
  const available = streamsByOs[ctx.os];
  const wanted = streams ?? available;
  for (const stream of wanted) {
    if (!available.includes(stream)) throw new Error(`${ctx.os} phones do not produce ${stream}`);
  }
  const fork = (stream: string): StreamContext => ({ ...ctx, random: ctx.random.fork(stream) });
  const files: PlainFile[] = [];
  for (const stream of wanted) {
    const generate = rowGenerators[stream];
    if (generate) files.push(...rotate(fork(`${stream}/files`), stream, generate(fork(stream))));
  }
  if (wanted.includes('wifi')) files.push(...wifiFiles(fork('wifi')));
  if (wanted.includes('ambient_audio')) files.push(...ambientFiles(fork('ambient_audio')));
  files.push(...surveySessions(fork('surveys'), surveys, wanted));
  if (wanted.includes('ios_log'))
    files.push(...rotate(fork('ios_log/files'), 'ios_log', iosLogRows(fork('ios_log'), files)));
  return files.sort((a, b) => a.createdAt - b.createdAt || (a.fileName < b.fileName ? -1 : 1));
}

/**
 * Splits a stream into the files the app writes, one per `create_new_data_files_frequency_seconds`.
 * Android creates every file (key line and header) on the timer, empty or not; iOS creates a file
 * lazily at its first write, so an empty window leaves no file.
 */
function rotate(ctx: StreamContext, stream: StreamId, rows: TimedRows): PlainFile[] {
  const header = headerOf(ctx.os, stream);
  const files: PlainFile[] = [];
  let i = 0;
  for (const [start, end] of rotationWindows(ctx.from, ctx.to, ctx.settings.newFileSeconds)) {
    const first = i;
    while (i < rows.times.length && (rows.times[i] as number) < end) i++;
    if (ctx.os === 'ios' && i === first) continue;
    const createdAt =
      ctx.os === 'android'
        ? start + ctx.random.int(1, 40)
        : (rows.times[first] as number) + (BUFFERED.has(stream) ? ctx.random.int(100, 9_000) : ctx.random.int(0, 3));
    files.push({
      kind: 'text',
      stream,
      fileName: streamFileName(ctx.patientId, stream, createdAt),
      createdAt,
      header,
      rows: rows.rows.slice(first, i),
    });
  }
  return files;
}

/** Android wifi: a new file per scan, named at the scan, holding one line with the whole scan. */
function wifiFiles(ctx: StreamContext): PlainFile[] {
  return wifiScans(ctx).map(({ time, line }) => ({
    kind: 'text' as const,
    stream: 'wifi' as const,
    fileName: streamFileName(ctx.patientId, 'wifi', time),
    createdAt: time,
    header: headerOf('android', 'wifi'),
    rows: [line],
  }));
}

/** Android ambient audio: one MP4 per recording period, named (in seconds) when it is encrypted at the end. */
function ambientFiles(ctx: StreamContext): PlainFile[] {
  const { onSeconds, offSeconds } = ctx.settings.ambientAudio;
  return onPeriods(ctx.from, ctx.to, onSeconds, offSeconds).map(([, end]) => ({
    kind: 'binary' as const,
    stream: 'ambient_audio' as const,
    fileName: ambientAudioFileName(ctx.patientId, end),
    createdAt: end,
    bytes: mp4Bytes(24000, 1, ctx.random),
  }));
}

function surveySessions(ctx: StreamContext, surveys: SurveySet, wanted: readonly StreamId[]): PlainFile[] {
  const files: PlainFile[] = [];
  for (let t = ctx.from + SURVEY_FIRST_MS; t < ctx.to; t += SURVEY_EVERY_MS) {
    let clock = t;
    for (const survey of surveys.tracking) {
      const taken = takeTrackingSurvey(ctx.os, ctx.patientId, survey, clock, ctx.random);
      files.push(...taken.files.filter((f) => wanted.includes(f.stream)));
      clock = taken.submittedAt + ctx.random.int(5_000, 60_000);
    }
    if (!wanted.includes('audio_recordings')) continue;
    for (const survey of surveys.audio) {
      const started = clock + ctx.random.int(5_000, 30_000);
      const stopped = started + ctx.random.int(3_000, 20_000);
      const raw = survey.format === 'raw';
      // Android names the file when it encrypts the finished recording; iOS when recording starts.
      const namedAt = ctx.os === 'android' ? stopped : started;
      files.push({
        kind: 'binary',
        stream: 'audio_recordings',
        fileName: voiceRecordingFileName(ctx.os, ctx.patientId, survey.id, namedAt, raw ? 'wav' : 'mp4'),
        createdAt: stopped,
        bytes: raw ? wavBytes(survey.sampleRate, 0.25, ctx.random) : mp4Bytes(survey.bitRate, 1, ctx.random),
      });
      clock = stopped;
    }
  }
  return files;
}

/**
 * iOS AppEventManager rows: `timestamp,launchId,memory,battery,event,msg,d1,d2,d3,<event counter>`.
 * Every other DataStorage file logs `file_create` and `file_init` when it is created.
 */
function iosLogRows(ctx: StreamContext, files: readonly PlainFile[]): TimedRows {
  const { random } = ctx;
  const launchId = String(ctx.from - random.int(60_000, 7_200_000));
  let count = 0;
  let level = random.between(0.3, 0.95);
  const events: { t: number; cells: string[] }[] = [
    { t: ctx.from, cells: ['launch', 'Application launch', '', '2.5.2', ''] },
    { t: ctx.from + 1, cells: ['collecting', 'Collecting Data', '', '', ''] },
  ];
  for (const file of files) {
    if (file.kind !== 'text') continue;
    const name = file.fileName.replace(/\.csv$/, '');
    events.push({ t: file.createdAt, cells: ['file_create', 'Create new data file', name, '', ''] });
    events.push({ t: file.createdAt, cells: ['file_init', 'Init new data file', name, '', ''] });
    if (file.stream === 'survey_answers') {
      const surveyId = file.fileName.split('_')[2] ?? '';
      events.push({
        t: file.createdAt + 1,
        cells: ['saving survey answers', `survey_id: ${surveyId}`, 'source_notification_uuids: ', '', ''],
      });
    }
  }
  events.sort((a, b) => a.t - b.t);
  const rows: TimedRows = { times: [], rows: [] };
  for (const { t, cells } of events) {
    if (t >= ctx.to) break;
    level = Math.max(0.05, level - random.between(0, 0.002));
    rows.times.push(t);
    rows.rows.push(`${t},${launchId},${random.int(60, 140)},${batteryLevel(level)},${cells.join(',')},${count++}`);
  }
  return rows;
}
