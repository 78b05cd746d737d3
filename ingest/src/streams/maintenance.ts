import type { Knex } from 'knex';
import { dropPartitionsBefore, ensureDayPartitions } from './partitions.ts';

const DAY_MS = 86_400_000;

/** Daily (and at start-up): day partitions a week ahead, and raw motion days past retention dropped. */
export async function maintainMotionTables(db: Knex, now: Date, retentionDays: number | undefined) {
  const created = await ensureDayPartitions(db, now);
  const dropped =
    retentionDays === undefined ? [] : await dropPartitionsBefore(db, new Date(now.getTime() - retentionDays * DAY_MS));
  return { created: created.length, dropped };
}
