import type { Knex } from 'knex';
import { FEATURES_STREAM, countFeatureRows } from './feature-export.ts';
import { localDay } from '../streams/local-days.ts';
import { binRange, type ExportStream } from './export.ts';
import { WEARABLE_FORMATS, type WearableStream } from './wearable-formats.ts';
import type { ZipMethod } from './zip-writer.ts';

export type ExportEstimate = { readonly rows: number; readonly bytes: number };

/**
 * Typical bytes of one exported CSV line (timestamp, UTC time, cells, newline); other streams take
 * DEFAULT_LINE. Deflated (level 1) the bench's accelerometer CSVs shrink to 0.31 of that; noisier
 * real data shrinks less.
 */
const LINE_BYTES: Readonly<Partial<Record<ExportStream, number>>> = {
  accelerometer: 74,
  gyro: 74,
  magnetometer: 66,
  devicemotion: 190,
  gps: 88,
};
const DEFAULT_LINE = 80;
const DEFLATE_RATIO = 0.35;
const AUDIO: ReadonlySet<string> = new Set(['audio_recordings', 'ambient_audio']);

/**
 * What one participant's export will hold, read before streaming so a browser can show progress
 * (the length of a streamed ZIP is unknown): phone streams from `data_quantity` (whole days in the
 * study's time zone, so partial edge days count whole), wearable streams counted in their tables.
 * Audio is estimated from the bytes uploaded.
 */
export async function estimateExport(
  db: Knex,
  input: {
    participantId: number;
    timezone: string;
    streams: readonly ExportStream[];
    from: Date | undefined;
    to: Date | undefined;
    method: ZipMethod;
  }
): Promise<ExportEstimate> {
  const { participantId, timezone, streams, from, to, method } = input;
  const wearable = streams.filter((s): s is WearableStream => s.startsWith('wearable_'));
  const phone = streams.filter((s) => !s.startsWith('wearable_') && s !== FEATURES_STREAM);
  const q = db('data_quantity')
    .where('participant_id', participantId)
    .whereIn('stream', phone)
    .groupBy('stream')
    .select('stream')
    .sum({ rows: 'rows', bytes: 'bytes' });
  if (from) void q.where('day', '>=', localDay(from, timezone));
  if (to) void q.where('day', '<=', localDay(to, timezone));
  const quantities = phone.length > 0 ? ((await q) as { stream: ExportStream; rows: string; bytes: string }[]) : [];
  let rows = 0;
  let csvBytes = 0;
  let binaryBytes = 0;
  for (const r of quantities) {
    const n = Number(r.rows);
    rows += n;
    if (AUDIO.has(r.stream)) binaryBytes += Number(r.bytes);
    else csvBytes += n * (LINE_BYTES[r.stream] ?? DEFAULT_LINE);
  }
  const bins = binRange(from, to);
  for (const stream of wearable) {
    const counted = (await db
      .from(WEARABLE_FORMATS[stream].query(db, participantId, bins.from, bins.to).clearOrder().as('r'))
      .count({ n: '*' })) as { n: number | string }[];
    const n = Number(counted[0]?.n ?? 0);
    rows += n;
    csvBytes += n * DEFAULT_LINE;
  }
  if (streams.includes(FEATURES_STREAM)) {
    const n = await countFeatureRows(db, participantId, from, to);
    rows += n;
    csvBytes += n * DEFAULT_LINE;
  }
  return { rows, bytes: Math.round(binaryBytes + (method === 'deflate' ? csvBytes * DEFLATE_RATIO : csvBytes)) };
}
