import type { Knex } from 'knex';
import { computeParticipantDays } from './compute.ts';
import { addDays, daysBetween } from './local-time.ts';

/**
 * Recomputes the features of every participant (or one) for the days in [from, to] that hold any
 * phone data (`data_quantity`) or wearable data. A chunk of days is computed at a time so a long
 * history is never in memory at once.
 */
export async function rebuildFeatures(
  db: Knex,
  options: { participantId?: number; from: string; to: string; now: Date }
): Promise<{ participants: number; days: number; rows: number }> {
  const participants = (await db('participants')
    .modify((q) => void (options.participantId !== undefined && q.where('id', options.participantId)))
    .whereNull('deleted_at')
    .orderBy('id')
    .pluck('id')) as number[];
  let days = 0;
  let rows = 0;
  for (const participantId of participants) {
    const withData = await daysWithData(db, participantId, options.from, options.to);
    for (let i = 0; i < withData.length; i += CHUNK_DAYS) {
      const chunk = withData.slice(i, i + CHUNK_DAYS);
      rows += await computeParticipantDays(db, participantId, chunk, options.now);
      days += chunk.length;
    }
  }
  return { participants: participants.length, days, rows };
}

const CHUNK_DAYS = 31;

async function daysWithData(db: Knex, participantId: number, from: string, to: string): Promise<string[]> {
  const local = (table: string, column: string) =>
    db(table)
      .where({ participant_id: participantId })
      .whereBetween(column, [from, to])
      .distinct(db.raw(`DATE_FORMAT(${column}, '%Y-%m-%d') AS day`));
  const phone = db('data_quantity')
    .where({ participant_id: participantId })
    .whereBetween('day', [from, to])
    .where('rows', '>', 0)
    .whereNotIn('stream', ['accelerometer', 'gyro', 'magnetometer', 'devicemotion'])
    .distinct(db.raw("DATE_FORMAT(day, '%Y-%m-%d') AS day"));
  const found = (await phone.union([
    local('daily_activity', 'local_date'),
    local('resting_heart_rate', 'local_date'),
    local('sleep_sessions', 'local_date'),
  ])) as { day: string }[];
  // Interval data (steps, HRV) lies within a day of a local date whatever the zone.
  const instants = (await db('steps')
    .where({ participant_id: participantId })
    .whereBetween('start_at', [addDays(from, -1), addDays(to, 2)])
    .distinct(db.raw("DATE_FORMAT(start_at, '%Y-%m-%d') AS day"))) as { day: string }[];
  const all = new Set([...found, ...instants].map((r) => r.day).filter((d) => d >= from && d <= to));
  return daysBetween(from, to).filter((d) => all.has(d));
}
