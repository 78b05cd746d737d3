import type { Knex } from 'knex';
import type { DeviceSettings } from '../study-config/device-settings-schema.ts';
import type { StreamTable } from './catalog.ts';
import type { LocalDay } from './local-days.ts';

/**
 * Rows a day should hold under the study's duty cycles, where the stream has a rate at all:
 * accelerometer 10 s on / 10 s off at 10 Hz gives 432,000 a (24-hour) day. GPS is counted at one
 * fix a second while on (Android asks for updates with minTime 0). Event-driven streams: null.
 */
export function expectedRows(stream: string, settings: DeviceSettings, dayMs: number): number | null {
  const seconds = dayMs / 1000;
  const share = (on: number, off: number) => (on + off > 0 ? on / (on + off) : 0);
  switch (stream) {
    case 'accelerometer':
      return settings.accelerometer
        ? Math.round(
            seconds *
              share(settings.accelerometer_on_duration_seconds, settings.accelerometer_off_duration_seconds) *
              settings.accelerometer_frequency
          )
        : null;
    case 'gyro':
      return settings.gyro
        ? Math.round(
            seconds *
              share(settings.gyro_on_duration_seconds, settings.gyro_off_duration_seconds) *
              settings.gyro_frequency
          )
        : null;
    case 'gps':
      return settings.gps
        ? Math.round(seconds * share(settings.gps_on_duration_seconds, settings.gps_off_duration_seconds))
        : null;
    default:
      return null;
  }
}

/** One stream's days to recount. */
export type StreamDays = { stream: string; def: StreamTable; days: readonly LocalDay[] };

/**
 * Recounts the given days of a participant's streams (rows from the rollup where there is one,
 * bytes from the uploads) and stores them. Each day is counted in one statement for all its
 * streams, and everything is stored in one: a batch of uploads touches many streams, and a round
 * trip per stream and day was most of the cost of keeping the counts.
 */
export async function refreshDataQuantity(
  trx: Knex,
  input: { participantId: number; streams: readonly StreamDays[]; settings: DeviceSettings }
): Promise<void> {
  const { participantId, streams, settings } = input;
  const byDay = new Map<string, { day: LocalDay; streams: StreamDays[] }>();
  for (const s of streams) {
    for (const day of s.days) {
      const entry = byDay.get(day.day) ?? { day, streams: [] };
      entry.streams.push(s);
      byDay.set(day.day, entry);
    }
  }
  const records = [];
  for (const { day, streams: touched } of byDay.values()) {
    const { start, end } = day;
    const counts = touched.flatMap(({ stream, def }) => [
      (def.rollup === 'motion'
        ? trx('motion_minutes')
            .where({ participant_id: participantId, stream })
            .where('minute', '>=', start)
            .where('minute', '<', end)
            .sum({ n: 'n' })
        : trx(def.table)
            .where({ participant_id: participantId })
            .where('t', '>=', start)
            .where('t', '<', end)
            .count({ n: '*' })
      ).select(trx.raw('? AS stream, ? AS what', [stream, 'rows'])),
      trx('uploads')
        .where({ participant_id: participantId, stream })
        .where('file_time', '>=', start)
        .where('file_time', '<', end)
        .sum({ n: 'size_bytes' })
        .select(trx.raw('? AS stream, ? AS what', [stream, 'bytes'])),
    ]);
    const [first, ...rest] = counts;
    const found = (await first!.unionAll(rest, true)) as { stream: string; what: string; n: number | string | null }[];
    const count = (stream: string, what: string) =>
      Number(found.find((r) => r.stream === stream && r.what === what)?.n ?? 0);
    for (const { stream } of touched) {
      records.push({
        participant_id: participantId,
        stream,
        day: day.day,
        rows: count(stream, 'rows'),
        bytes: count(stream, 'bytes'),
        expected_rows: expectedRows(stream, settings, end.getTime() - start.getTime()),
      });
    }
  }
  if (records.length === 0) return;
  // In key order, so concurrent batches lock these rows in the same order (no deadlock).
  records.sort((a, b) => a.stream.localeCompare(b.stream) || a.day.localeCompare(b.day));
  await trx('data_quantity')
    .insert(records)
    .onConflict(['participant_id', 'stream', 'day'])
    .merge(['rows', 'bytes', 'expected_rows']);
}
