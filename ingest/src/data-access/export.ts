import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { BeiweStream } from '../beiwe/protocol/file-name.ts';
import type { UploadArchive } from '../uploads/archive.ts';
import { decryptUpload, type KeyCache } from '../uploads/plaintext.ts';
import { findUpload } from '../uploads/store.ts';
import type { Vault } from '../vault/vault.ts';
import { CHUNK_FORMATS, FLOAT_COLUMNS, SURVEY_ANSWERS_HEADER, type Os, type Row } from './formats.ts';
import { createZipWriter, type ZipMethod } from './zip-writer.ts';

export type ExportParticipant = { readonly id: number; readonly patientId: string; readonly os: Os };

export type ExportRequest = {
  readonly studyObjectId: string;
  readonly participants: readonly ExportParticipant[];
  readonly streams: readonly BeiweStream[];
  /** Inclusive bounds on each entry's time bin (the hour, or an unchunked file's second), as Beiwe compares them. */
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  /** Beiwe's registry: chunk path → hash; matching entries are left out. */
  readonly registry: ReadonlyMap<string, string>;
  readonly method: ZipMethod;
  /** Beiwe leaves the registry entry out of its web form's download. */
  readonly withRegistry: boolean;
};

export type ExportDeps = { readonly db: Knex; readonly vault: Vault; readonly archive: UploadArchive };

export type ExportSummary = { entries: number; skipped: number; rows: number; bytes: number };

const HOUR = 3_600_000;

type Entry = { name: string; registryPath: string; bin: Date; data: Buffer; rows: number };

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
        for (const part of zip.entry(uniqueName(names, entry.name), entry.data, entry.bin)) yield part;
        totals.bytes = zip.bytesWritten;
      }
    }
  }
  if (req.withRegistry) {
    yield* zip.entry('registry', Buffer.from(JSON.stringify(Object.fromEntries(registry))), new Date());
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

function entriesOf(
  deps: ExportDeps,
  req: ExportRequest,
  p: ExportParticipant,
  stream: BeiweStream,
  keys: KeyCache
): AsyncGenerator<Entry> {
  if (stream === 'survey_answers') return surveyAnswerEntries(deps.db, req, p);
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
    .select(['t', ...format.select.map((c) => (FLOAT_COLUMNS.has(c) ? db.raw('CAST(?? AS DOUBLE) AS ??', [c, c]) : c))])
    .where('participant_id', p.id)
    .orderBy(format.order.map((column) => ({ column })));
  // A bin is included when its hour lies within [from, to]: the rows from the first whole hour at or after `from`.
  if (req.from) void q.where('t', '>=', new Date(Math.ceil(req.from.getTime() / HOUR) * HOUR));
  if (req.to) void q.where('t', '<', new Date(Math.floor(req.to.getTime() / HOUR) * HOUR + HOUR));
  const surveyed = stream === 'survey_timings';
  let lines: string[] = [];
  let hour = -1;
  let survey = '';
  let os: Os = p.os;
  const flush = (): Entry => {
    const bin = new Date(hour * HOUR);
    const iso = bin.toISOString().slice(0, 19);
    const folder = surveyed ? `${stream}/${survey}` : stream;
    const data = Buffer.from(`timestamp,UTC time,${format.header(os)}\n${lines.join('\n')}`);
    return {
      name: `${p.patientId}/${folder}/${timeBinName(bin)}.csv`,
      registryPath: `CHUNKED_DATA/${req.studyObjectId}/${p.patientId}/${folder}/${iso}.csv`,
      bin,
      data,
      rows: lines.length,
    };
  };
  for await (const row of q.stream() as AsyncIterable<Row>) {
    const ms = (row.t as Date).getTime();
    const rowHour = Math.floor(ms / HOUR);
    const rowSurvey = surveyed ? String(row.survey_id) : '';
    if (rowHour !== hour || rowSurvey !== survey) {
      if (lines.length > 0) yield flush();
      lines = [];
      hour = rowHour;
      survey = rowSurvey;
      // A bin takes the header of its first row's phone (a participant who changed phones mid-hour is rare).
      os = row.os === 1 || row.os === 2 ? row.os : p.os;
    }
    lines.push(`${ms},${new Date(ms).toISOString().slice(0, 23)},${format.cells(row, os, p.patientId)}`);
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
  for await (const row of q.stream() as AsyncIterable<Row>) {
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
