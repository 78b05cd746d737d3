import type { Knex } from 'knex';
import { computeParticipantDays } from './compute.ts';
import { addDays, dayWindow, daysBetween, type DayWindow } from './local-time.ts';
import { walkFromTable } from './walking-minutes.ts';

/**
 * Recomputes the features of every participant (or one) for the days in [from, to] that hold any
 * phone data (`data_quantity`) or wearable data. A chunk of days is computed at a time so a long
 * history is never in memory at once. With `walking`, each day's walking (`walking_minutes`) is
 * first found again in the raw accelerometer rows still kept, one local day at a time.
 */
export async function rebuildFeatures(
  db: Knex,
  options: { participantId?: number; from: string; to: string; now: Date; walking?: boolean }
): Promise<{ participants: number; days: number; rows: number }> {
  const participants = (await db('participants as p')
    .join('studies as s', 's.id', 'p.study_id')
    .modify((q) => void (options.participantId !== undefined && q.where('p.id', options.participantId)))
    .whereNull('p.deleted_at')
    .orderBy('p.id')
    .select('p.id', 's.timezone')) as { id: number; timezone: string }[];
  let days = 0;
  let rows = 0;
  for (const { id: participantId, timezone } of participants) {
    const withData = await daysWithData(db, participantId, options.from, options.to);
    for (let i = 0; i < withData.length; i += CHUNK_DAYS) {
      const chunk = withData.slice(i, i + CHUNK_DAYS);
      if (options.walking) for (const day of chunk) await walkAgain(db, participantId, dayWindow(day, timezone));
      rows += await computeParticipantDays(db, participantId, chunk, options.now);
      days += chunk.length;
    }
  }
  return { participants: participants.length, days, rows };
}

/**
 * Walking of a local day from its raw accelerometer rows, over the minutes from the first row kept
 * to the last: the motion tables' retention drops whole UTC days, and minutes whose rows are gone
 * keep the walking found when they arrived. A bout across local midnight is cut there (an upload
 * cuts it at the file's end).
 */
async function walkAgain(db: Knex, participantId: number, w: DayWindow): Promise<void> {
  const span = (await db('accelerometer')
    .where({ participant_id: participantId })
    .where('t', '>=', new Date(w.start))
    .where('t', '<', new Date(w.end))
    .first(db.raw('MIN(t) AS first'), db.raw('MAX(t) AS last'))) as { first: Date | null; last: Date | null };
  if (!span.first || !span.last) return;
  const minute = (t: Date) => t.getTime() - (t.getTime() % 60_000);
  const range = { from: new Date(minute(span.first)), to: new Date(Math.min(minute(span.last) + 60_000, w.end)) };
  await db.transaction((trx) => walkFromTable(trx, participantId, range));
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
    .whereNotIn('stream', ['gyro', 'magnetometer', 'devicemotion'])
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
