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

/** Recounts the given days of one participant's stream (rows from the rollup where there is one) and stores them. */
export async function refreshDataQuantity(
  trx: Knex,
  input: {
    participantId: number;
    stream: string;
    def: StreamTable;
    days: readonly LocalDay[];
    settings: DeviceSettings;
  }
): Promise<void> {
  const { participantId, stream, def, days, settings } = input;
  for (const { day, start, end } of days) {
    const rowsQuery =
      def.rollup === 'motion'
        ? trx('motion_minutes')
            .where({ participant_id: participantId, stream })
            .where('minute', '>=', start)
            .where('minute', '<', end)
            .sum({ n: 'n' })
        : trx(def.table)
            .where({ participant_id: participantId })
            .where('t', '>=', start)
            .where('t', '<', end)
            .count({ n: '*' });
    const [[rows], [bytes]] = await Promise.all([
      rowsQuery as Promise<{ n: number | string | null }[]>,
      trx('uploads')
        .where({ participant_id: participantId, stream })
        .where('file_time', '>=', start)
        .where('file_time', '<', end)
        .sum({ n: 'size_bytes' }) as Promise<{ n: number | string | null }[]>,
    ]);
    await trx('data_quantity')
      .insert({
        participant_id: participantId,
        stream,
        day,
        rows: Number(rows?.n ?? 0),
        bytes: Number(bytes?.n ?? 0),
        expected_rows: expectedRows(stream, settings, end.getTime() - start.getTime()),
      })
      .onConflict(['participant_id', 'stream', 'day'])
      .merge(['rows', 'bytes', 'expected_rows']);
  }
}
