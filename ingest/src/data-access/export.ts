import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { BEIWE_STREAMS, type BeiweStream } from '../beiwe/protocol/file-name.ts';
import type { UploadArchive } from '../uploads/archive.ts';
import { decryptUpload, type KeyCache } from '../uploads/plaintext.ts';
import { findUpload } from '../uploads/store.ts';
import type { Vault } from '../vault/vault.ts';
import { appLogQuery, beiweAppLogRows } from './app-log-chunks.ts';
import { CHUNK_FORMATS, DOUBLE_COLUMNS, FLOAT_COLUMNS, SURVEY_ANSWERS_HEADER, type Os, type Row } from './formats.ts';
import { FEATURES_STREAM, featureEntries } from './feature-export.ts';
import { WEARABLE_FORMATS, WEARABLE_STREAMS, type WearableStream } from './wearable-formats.ts';
import { createZipWriter, type ZipMethod } from './zip-writer.ts';
import { zstdFrame } from './zstd.ts';

/** Beiwe's streams, then Vigil's wearable ones and daily features (names that cannot clash with Beiwe's). */
export const EXPORT_STREAMS = [...BEIWE_STREAMS, ...WEARABLE_STREAMS, FEATURES_STREAM] as const;
export type ExportStream = (typeof EXPORT_STREAMS)[number];

/**
 * What Beiwe's API serves when no stream is named: daily features only when asked for, since
 * Beiwe's clients read every entry under a participant as a stream folder.
 */
export const DEFAULT_STREAMS = EXPORT_STREAMS.filter((s) => s !== FEATURES_STREAM);

const isWearableStream = (s: ExportStream): s is WearableStream => s.startsWith('wearable_');

export type ExportParticipant = { readonly id: number; readonly patientId: string; readonly os: Os };

export type ExportRequest = {
  readonly studyObjectId: string;
  readonly participants: readonly ExportParticipant[];
  readonly streams: readonly ExportStream[];
  /** Inclusive bounds on each entry's time bin (the hour, or an unchunked file's second), as Beiwe compares them. */
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  /** Beiwe's registry: chunk path → hash; matching entries are left out. */
  readonly registry: ReadonlyMap<string, string>;
  readonly method: ZipMethod;
  /** `/get-data/v2`: each entry is a zstd frame named `….zst` inside the stored ZIP. */
  readonly zstdEntries?: boolean;
  /** Beiwe leaves the registry entry out of its web form's download. */
  readonly withRegistry: boolean;
};

export type ExportDeps = { readonly db: Knex; readonly vault: Vault; readonly archive: UploadArchive };

export type ExportSummary = { entries: number; skipped: number; rows: number; bytes: number };

const HOUR = 3_600_000;
/**
 * Rows a query stream buffers before it pauses the connection (16 by default): MariaDB keeps
 * sending while an hour's CSV is built, at a few hundred kB of memory per stream.
 */
const READ_AHEAD = { highWaterMark: 2000 };

export type Entry = { name: string; registryPath: string; bin: Date; data: Buffer; rows: number };

/**
 * The ZIP of spec §6, produced lazily: each participant's stream is read in primary-key order
 * with a streaming query, one hour is built at a time, and its bytes are handed out before the
 * next hour is read. Memory is one hour of one stream plus the central directory and registry.
 */
export async function* exportZip(
  deps: ExportDeps,
  req: ExportRequest,
  summary?: ExportSummary
): AsyncGenerator<Buffer> {
  const zip = createZipWriter(req.method);
  const registry = new Map<string, string>();
  const names = new Set<string>();
  const totals: ExportSummary = summary ?? { entries: 0, skipped: 0, rows: 0, bytes: 0 };
  const keys: KeyCache = new Map();
  for (const participant of req.participants) {
    for (const stream of req.streams) {
      for await (const entry of entriesOf(deps, req, participant, stream, keys)) {
        const hash = createHash('sha1').update(entry.data).digest('base64');
        registry.set(entry.registryPath, hash);
        if (known(req.registry, entry.registryPath, hash)) {
          totals.skipped++;
          continue;
        }
        totals.entries++;
        totals.rows += entry.rows;
        // Beiwe makes the name unique first, then appends `.zst`: `…_2.csv.zst`.
        const name = uniqueName(names, entry.name);
        const parts = req.zstdEntries
          ? await zip.entry(`${name}.zst`, await zstdFrame(entry.data), entry.bin)
          : await zip.entry(name, entry.data, entry.bin);
        for (const part of parts) yield part;
        totals.bytes = zip.bytesWritten;
      }
    }
  }
  if (req.withRegistry) {
    yield* await zip.entry('registry', Buffer.from(JSON.stringify(Object.fromEntries(registry))), new Date());
  }
  yield zip.finish();
  totals.bytes = zip.bytesWritten;
}

function known(registry: ReadonlyMap<string, string>, path: string, hash: string): boolean {
  const bare = path.replace(/^CHUNKED_DATA\//, '');
  return registry.get(path) === hash || registry.get(bare) === hash || registry.get(`CHUNKED_DATA/${bare}`) === hash;
}

/** Beiwe renames a clashing entry `name_2.ext`, `name_3.ext`, … */
function uniqueName(names: Set<string>, name: string): string {
  let candidate = name;
  for (let n = 2; names.has(candidate); n++) candidate = name.replace(/(\.[^./]*)?$/, `_${n}$1`);
  names.add(candidate);
  return candidate;
}

/** `str()` of a UTC datetime with `:` made `_`, as Beiwe names entries: `2024-01-01 10_00_00+00_00`. */
export function timeBinName(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ').replaceAll(':', '_')}+00_00`;
}

export function entriesOf(
  deps: ExportDeps,
  req: ExportRequest,
  p: ExportParticipant,
  stream: ExportStream,
  keys: KeyCache
): AsyncGenerator<Entry> {
  if (isWearableStream(stream)) return wearableEntries(deps.db, req, p, stream);
  if (stream === FEATURES_STREAM) return featureEntries(deps.db, req.studyObjectId, p, req.from, req.to);
  if (stream === 'survey_answers') return surveyAnswerEntries(deps.db, req, p);
  if (stream === 'app_log') return appLogEntries(deps.db, req, p);
  if (stream === 'audio_recordings' || stream === 'ambient_audio') return audioEntries(deps, req, p, stream, keys);
  return chunkEntries(deps.db, req, p, stream);
}

async function* chunkEntries(
  db: Knex,
  req: ExportRequest,
  p: ExportParticipant,
  stream: BeiweStream
): AsyncGenerator<Entry> {
  const format = CHUNK_FORMATS[stream];
  if (!format) return;
  const q = db(format.table)
    .select(['t', ...format.select.map((c) => readAs(db, c))])
    .where('participant_id', p.id)
    .orderBy(format.order.map((column) => ({ column })));
  if (format.thenOrderRaw) void q.orderByRaw(format.thenOrderRaw);
  const { from, to } = binRange(req.from, req.to);
  if (from) void q.where('t', '>=', from);
  if (to) void q.where('t', '<', to);
  const surveyed = stream === 'survey_timings';
  yield* hourlyEntries(
    req,
    p,
    q.stream(READ_AHEAD) as AsyncIterable<Row>,
    (first) => {
      // A bin takes the header of its first row's phone (a participant who changed phones mid-hour is rare).
      const os: Os = first.os === 1 || first.os === 2 ? first.os : (format.osOf?.(first) ?? p.os);
      return {
        folder: surveyed ? `${stream}/${String(first.survey_id)}` : stream,
        header: format.header(os),
        cells: (r) => format.cells(r, os, p.patientId),
      };
    },
    surveyed ? (r) => String(r.survey_id) : undefined
  );
}

function appLogEntries(db: Knex, req: ExportRequest, p: ExportParticipant) {
  const { from, to } = binRange(req.from, req.to);
  const rows = beiweAppLogRows(appLogQuery(db, p.id, from, to).stream(READ_AHEAD) as AsyncIterable<Row>);
  return hourlyEntries(req, p, rows, () => ({ folder: 'app_log', header: 'event', cells: (r) => String(r.line) }));
}

function readAs(db: Knex, column: string): Knex.Raw | string {
  if (FLOAT_COLUMNS.has(column)) return db.raw('CAST(?? AS DOUBLE) AS ??', [column, column]);
  if (DOUBLE_COLUMNS.has(column)) return db.raw('CAST(?? AS CHAR) AS ??', [column, column]);
  return column;
}

function wearableEntries(db: Knex, req: ExportRequest, p: ExportParticipant, stream: WearableStream) {
  const format = WEARABLE_FORMATS[stream];
  const { from, to } = binRange(req.from, req.to);
  const queried = format.query(db, p.id, from, to).stream(READ_AHEAD) as AsyncIterable<Row>;
  const rows = format.resolve ? format.resolve(queried, from, to) : queried;
  return hourlyEntries(req, p, rows, () => ({ folder: stream, header: format.header, cells: format.cells }));
}

/**
 * Row times whose hourly bin lies within [from, to], as [from, to): a bin is included when its
 * hour is, so rows start at the first whole hour at or after `from`.
 */
export function binRange(
  from: Date | undefined,
  to: Date | undefined
): { from: Date | undefined; to: Date | undefined } {
  return {
    from: from && new Date(Math.ceil(from.getTime() / HOUR) * HOUR),
    to: to && new Date(Math.floor(to.getTime() / HOUR) * HOUR + HOUR),
  };
}

type Bin = { folder: string; header: string; cells: (r: Row) => string };

/**
 * Rows in time order (`t`) cut into hourly CSVs, Beiwe's processed chunks: `timestamp,UTC time`
 * then the bin's columns. `split` also ends a bin where it changes (a survey's timings).
 */
async function* hourlyEntries(
  req: ExportRequest,
  p: ExportParticipant,
  rows: AsyncIterable<Row>,
  binOf: (first: Row) => Bin,
  split?: (r: Row) => string
): AsyncGenerator<Entry> {
  let lines: string[] = [];
  let hour = -1;
  let key = '';
  let bin: Bin | undefined;
  const flush = (): Entry => {
    const start = new Date(hour * HOUR);
    return {
      name: `${p.patientId}/${bin!.folder}/${timeBinName(start)}.csv`,
      registryPath: `CHUNKED_DATA/${req.studyObjectId}/${p.patientId}/${bin!.folder}/${start.toISOString().slice(0, 19)}.csv`,
      bin: start,
      data: Buffer.from(`timestamp,UTC time,${bin!.header}\n${lines.join('\n')}`),
      rows: lines.length,
    };
  };
  for await (const row of rows) {
    const t = row.t as Date;
    const ms = t.getTime();
    const rowHour = Math.floor(ms / HOUR);
    const rowKey = split ? split(row) : '';
    if (rowHour !== hour || rowKey !== key) {
      if (lines.length > 0) yield flush();
      lines = [];
      hour = rowHour;
      key = rowKey;
      bin = binOf(row);
    }
    lines.push(`${ms},${t.toISOString().slice(0, 23)},${bin!.cells(row)}`);
  }
  if (lines.length > 0) yield flush();
}

/** One entry per submitted survey file, rebuilt from its rows: `{pid}/survey_answers/{surveyId}/{file time}.csv`. */
async function* surveyAnswerEntries(db: Knex, req: ExportRequest, p: ExportParticipant): AsyncGenerator<Entry> {
  const q = db('survey_answers')
    .select('t', 'survey_id', 'question_id', 'question_type', 'question_text', 'question_answer_options', 'answer')
    .where('participant_id', p.id)
    .orderBy([{ column: 't' }, { column: 'survey_id' }, { column: 'row_index' }]);
  if (req.from) void q.where('t', '>=', new Date(Math.ceil(req.from.getTime() / 1000) * 1000));
  if (req.to) void q.where('t', '<', new Date(Math.floor(req.to.getTime() / 1000) * 1000 + 1000));
  let key = '';
  let lines: string[] = [];
  let t = new Date(0);
  let survey = '';
  const flush = (): Entry => ({
    name: `${p.patientId}/survey_answers/${survey}/${timeBinName(new Date(Math.floor(t.getTime() / 1000) * 1000))}.csv`,
    registryPath: `${req.studyObjectId}/${p.patientId}/surveyAnswers/${survey}/${t.getTime()}.csv`,
    bin: t,
    data: Buffer.from(`${SURVEY_ANSWERS_HEADER}\n${lines.join('\n')}`),
    rows: lines.length,
  });
  for await (const row of q.stream(READ_AHEAD) as AsyncIterable<Row>) {
    const rowKey = `${(row.t as Date).getTime()}/${String(row.survey_id)}`;
    if (rowKey !== key) {
      if (lines.length > 0) yield flush();
      key = rowKey;
      lines = [];
      t = row.t as Date;
      survey = String(row.survey_id);
    }
    lines.push(
      [row.question_id, row.question_type, row.question_text, row.question_answer_options, row.answer]
        .map(String)
        .join(',')
    );
  }
  if (lines.length > 0) yield flush();
}

/** Audio files as uploaded, read back from the raw archive one at a time. */
async function* audioEntries(
  deps: ExportDeps,
  req: ExportRequest,
  p: ExportParticipant,
  stream: 'audio_recordings' | 'ambient_audio',
  keys: KeyCache
): AsyncGenerator<Entry> {
  const q = deps
    .db(stream)
    .select(['t', 'upload_id', 'format', ...(stream === 'audio_recordings' ? ['survey_id'] : [])])
    .where('participant_id', p.id)
    .orderBy('t');
  if (req.from) void q.where('t', '>=', new Date(Math.ceil(req.from.getTime() / 1000) * 1000));
  if (req.to) void q.where('t', '<', new Date(Math.floor(req.to.getTime() / 1000) * 1000 + 1000));
  // Few rows (one per recording): read the list whole so no query is held open while files are decrypted.
  const rows = (await q) as Row[];
  for (const row of rows) {
    const upload = await findUpload(deps.db, Number(row.upload_id));
    if (!upload) continue;
    const { plaintext } = await decryptUpload(deps, upload, keys);
    if (!plaintext) continue;
    const t = row.t as Date;
    const folder = stream === 'audio_recordings' ? `${stream}/${String(row.survey_id)}` : stream;
    yield {
      name: `${p.patientId}/${folder}/${timeBinName(new Date(Math.floor(t.getTime() / 1000) * 1000))}.${String(row.format)}`,
      registryPath: `${req.studyObjectId}/${upload.fileName.replaceAll('_', '/')}`,
      bin: t,
      data: plaintext,
      rows: 1,
    };
  }
}
