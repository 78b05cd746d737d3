import type { Knex } from 'knex';
import { BEIWE_STREAMS, parseUploadFileName, type BeiweStream } from '../beiwe/protocol/file-name.ts';
import type { DeviceSettings } from '../study-config/device-settings-schema.ts';
import type { Upload } from '../uploads/store.ts';
import type { ProcessItem, RowCounts, UploadProcessor } from '../uploads/worker.ts';
import { STREAM_TABLES, type StreamTable } from './catalog.ts';
import { featureDays, markFeatureDays } from '../features/dirty.ts';
import type { WalkingSecond } from '../features/oak.ts';
import {
  addWalkingMinutes,
  addWalkingSeconds,
  walkFromTable,
  walkingOfSamples,
  type WalkingMinute,
} from '../features/walking-minutes.ts';
import { refreshDataQuantity, type StreamDays } from './data-quantity.ts';
import { loadRows } from './load.ts';
import { localDaysTouched } from './local-days.ts';
import { addMotionMinutes, minutesCovering, rollUpGps, rollUpMotion, type TimeRange } from './rollups.ts';
import { createRowWriter, mergeMinutes, type MinuteStats, type ParseContext, type WrittenRows } from './rows.ts';

export type StreamProcessorDeps = {
  clock: () => Date;
  /** The study's current device settings (duty cycles give the rows expected per day). */
  settingsFor: (db: Knex, studyId: number) => Promise<DeviceSettings>;
};

const isStream = (s: string): s is BeiweStream => (BEIWE_STREAMS as readonly string[]).includes(s);
const BINARY_STREAMS: ReadonlySet<BeiweStream> = new Set(['audio_recordings', 'ambient_audio']);
/**
 * Rows per statement, at most one upload over: enough that a statement's own cost is small beside
 * them (~40 ms of server work), few enough that parsing the next ones overlaps loading these.
 */
const ROWS_PER_LOAD = 10_000;

/**
 * One participant's stream in a batch: its uploads, then what they touched — minutes to roll up
 * again from the table, minutes to add the parsed rows' statistics to, quarter-hours whose days
 * to recount.
 */
type Touched = {
  participantId: number;
  stream: BeiweStream;
  def: StreamTable;
  items: ProcessItem[];
  ranges: TimeRange[];
  minutes: Map<number, MinuteStats>;
  quarters: Set<number>;
  /** Accelerometer: walking found in the parsed rows, and ranges to find it in from the table. */
  walking: Map<number, WalkingMinute>;
  walkingRanges: TimeRange[];
};

type Parsed = { upload: Upload; written: WrittenRows; walking: WalkingSecond[] | null };

/**
 * Turns decrypted uploads into rows of their streams' tables, then brings the per-minute rollups
 * and the days' data quantity up to date — in the worker's transaction, so uploads' rows, their
 * summaries and their "processed" marks commit together or not at all. A participant's uploads of
 * one stream are loaded in one statement (see `loadTogether`); summaries are recomputed once per
 * participant and stream for the whole batch.
 */
export function createStreamProcessor(deps: StreamProcessorDeps): UploadProcessor {
  return async ({ trx, items }) => {
    const counts = new Map<number, RowCounts>();
    const touched = new Map<string, Touched>();
    for (const item of items) {
      const { participantId, stream } = item.upload;
      if (!isStream(stream)) continue;
      const key = `${participantId}:${stream}`;
      const t = touched.get(key) ?? {
        participantId,
        stream,
        def: STREAM_TABLES[stream],
        items: [],
        ranges: [],
        minutes: new Map<number, MinuteStats>(),
        quarters: new Set<number>(),
        walking: new Map<number, WalkingMinute>(),
        walkingRanges: [],
      };
      touched.set(key, t);
      t.items.push(item);
    }
    const owners = await ownersOf(
      trx,
      items.map((i) => i.upload.participantId)
    );

    // Streams go in one order (participant, then name), so two workers' batches for one participant
    // take their row locks (tables, minute rollups, data quantity) in the same order: one waits for
    // the other instead of deadlocking.
    const groups = [...touched.values()].sort(
      (a, b) => a.participantId - b.participantId || a.stream.localeCompare(b.stream)
    );
    // While the server loads some rows, the next are parsed: node and MariaDB share the machine's
    // cores, and overlapping them is most of the gain on large files. Small uploads of a stream
    // share a statement; large ones are loaded a few at a time, so the overlap stays.
    let loading: Promise<void> = Promise.resolve();
    const load = async (t: Touched, parsed: readonly Parsed[]) => {
      await loading;
      let sent = () => {};
      const handedOver = new Promise<void>((resolve) => (sent = resolve));
      loading = loadTogether(trx, t, parsed, sent).then((stored) => {
        for (const [i, { upload, written, walking }] of parsed.entries()) {
          counts.set(upload.id, { rowsStored: stored[i]!, rowsRejected: written.rejected });
          if (written.minMs === null || written.maxMs === null) continue;
          // Walking, like the statistics below, comes from the parsed rows only if all were new.
          if (walking && stored[i] === written.rows) addWalkingSeconds(t.walking, walking);
          else if (walking) t.walkingRanges.push(minutesCovering(written.minMs, written.maxMs));
          // Statistics from the parsed rows hold only if every row was new; a file processed again,
          // or overlapping one already stored, is rolled up from the table.
          if (t.def.rollup === 'motion' && written.minutes && stored[i] === written.rows)
            mergeMinutes(t.minutes, written.minutes);
          else t.ranges.push(minutesCovering(written.minMs, written.maxMs));
        }
      });
      // Awaited before the next load or after the last; should a parse throw first, that is the batch's error.
      loading.catch(() => undefined);
      // Parsing on before the rows are handed over would stall the server: asking for them (and the
      // savepoint before) needs this thread.
      await Promise.race([handedOver, loading]);
    };
    for (const t of groups) {
      let pending: Parsed[] = [];
      let pendingRows = 0;
      for (const { upload, plaintext } of t.items) {
        const written = parse(deps, t, upload, plaintext);
        // The only pass over an upload's accelerometer samples for walking (features/oak.ts): the
        // day's features read the per-minute result.
        const walking = written.samples ? walkingOfSamples(written.samples) : null;
        written.samples = null;
        for (const q of written.quarters) t.quarters.add(q);
        // The file's own day too: an upload with no rows (a quiet phone) still shows as bytes received.
        t.quarters.add(Math.floor(upload.fileTime.getTime() / 900_000));
        pending.push({ upload, written, walking });
        pendingRows += written.rows;
        if (pendingRows >= ROWS_PER_LOAD) {
          await load(t, pending);
          pending = [];
          pendingRows = 0;
        }
      }
      if (pending.length > 0) await load(t, pending);
    }

    await loading;
    const byParticipant = new Map<number, StreamDays[]>();
    for (const t of groups) {
      if (t.def.rollup === 'motion')
        t.ranges.push(...(await addMotionMinutes(trx, t.stream, t.participantId, t.minutes)));
      for (const range of mergeRanges(t.ranges)) {
        if (t.def.rollup === 'motion') await rollUpMotion(trx, t.stream, t.participantId, range);
        if (t.def.rollup === 'gps') await rollUpGps(trx, t.participantId, range);
      }
      await addWalkingMinutes(trx, t.participantId, t.walking);
      for (const range of mergeRanges(t.walkingRanges)) await walkFromTable(trx, t.participantId, range);
      const days = localDaysTouched(t.quarters, owners.get(t.participantId)!.timezone);
      const streams = byParticipant.get(t.participantId) ?? [];
      streams.push({ stream: t.stream, def: t.def, days });
      byParticipant.set(t.participantId, streams);
    }
    const settings = new Map<number, Promise<DeviceSettings>>();
    for (const [participantId, streams] of byParticipant) {
      const { studyId } = owners.get(participantId)!;
      if (!settings.has(studyId)) settings.set(studyId, deps.settingsFor(trx, studyId));
      await refreshDataQuantity(trx, { participantId, streams, settings: await settings.get(studyId)! });
      // The behavioural features of these days are now stale (features/processor.ts recomputes them).
      await markFeatureDays(trx, participantId, featureDays(streams), deps.clock());
    }
    return counts;
  };
}

function parse(deps: StreamProcessorDeps, t: Touched, upload: Upload, plaintext: Buffer): WrittenRows {
  const name = parseUploadFileName(upload.fileName, deps.clock());
  const ctx: ParseContext = {
    participantId: upload.participantId,
    os: upload.osType === 'IOS' ? 2 : 1,
    fileTime: upload.fileTime,
    fileStampMs: name.ok ? name.stampMs : upload.fileTime.getTime(),
    surveyId: name.ok ? name.surveyId : undefined,
    uploadId: upload.id,
    extension: name.ok ? name.extension : '',
    now: deps.clock(),
  };
  const writer = createRowWriter(ctx, { keepSamples: t.stream === 'accelerometer' });
  t.def.parse({ text: BINARY_STREAMS.has(t.stream) ? '' : plaintext.toString('utf8'), bytes: plaintext }, ctx, writer);
  return writer.finish();
}

/**
 * Loads several uploads' rows in one statement, and returns the rows each stored. A statement per
 * upload was most of the cost of small ones (a Wi-Fi scan is a few rows). The count the server
 * gives is for the statement: when it is every row, each upload stored all of its own. When some
 * rows were already there (a file processed again), the uploads are loaded again one by one from
 * a savepoint, which gives each its exact count.
 */
async function loadTogether(trx: Knex, t: Touched, parsed: readonly Parsed[], onSent: () => void): Promise<number[]> {
  const oneByOne = async () => {
    const stored: number[] = [];
    for (const p of parsed) stored.push(await loadRows(trx, t.def, p.written));
    return stored;
  };
  if (parsed.length === 1) return [await loadRows(trx, t.def, parsed[0]!.written, onSent)];
  const os = parsed[0]!.written.os;
  // A participant who moved between an Android phone and an iPhone: each OS's rows load their own way.
  if (parsed.some((p) => p.written.os !== os)) {
    const stored = await oneByOne();
    onSent();
    return stored;
  }
  const all = { participantId: t.participantId, os, chunks: parsed.flatMap((p) => p.written.chunks) };
  const rows = parsed.map((p) => p.written.rows);
  const total = rows.reduce((a, b) => a + b, 0);
  try {
    await trx.transaction(async (savepoint) => {
      if ((await loadRows(savepoint, t.def, all, onSent)) !== total) throw new SomeRowsStored();
    });
    return rows;
  } catch (err) {
    if (!(err instanceof SomeRowsStored)) throw err;
    return oneByOne();
  }
}

class SomeRowsStored extends Error {}

async function ownersOf(
  trx: Knex,
  participantIds: readonly number[]
): Promise<Map<number, { studyId: number; timezone: string }>> {
  const rows = (await trx('participants as p')
    .join('studies as s', 's.id', 'p.study_id')
    .whereIn('p.id', [...new Set(participantIds)])
    .select('p.id', 'p.study_id', 's.timezone')) as { id: number; study_id: number; timezone: string }[];
  return new Map(rows.map((r) => [r.id, { studyId: r.study_id, timezone: r.timezone }]));
}

/** Overlapping or touching minute ranges become one, so each minute is rolled up once per batch. */
function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = [...ranges].sort((a, b) => a.from.getTime() - b.from.getTime());
  const merged: TimeRange[] = [];
  for (const r of sorted) {
    const last = merged.at(-1);
    if (last && r.from.getTime() <= last.to.getTime()) {
      if (r.to > last.to) last.to = r.to;
    } else {
      merged.push({ from: r.from, to: r.to });
    }
  }
  return merged;
}
