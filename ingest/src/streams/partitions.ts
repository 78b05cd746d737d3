import { FIRST_MANAGED_DAY } from '@vigil/migrations/motion-table';
import type { Knex } from 'knex';
import { STREAM_TABLES } from './catalog.ts';
import { UNTIMED } from '../db.ts';

/**
 * Day partitions of the motion tables. Rows land in the day partition of their time; a day is
 * split off the `p_future` catch-all ahead of time (while it is still empty, so the split is
 * instant), and retention drops whole days. Dropping the oldest partition lets the next one take
 * its range, so a late row for a dropped day still finds a home (and goes at the next drop).
 */
export const PARTITIONED_TABLES = Object.values(STREAM_TABLES)
  .filter((t) => t.partitioned)
  .map((t) => t.table);

const DAY_MS = 86_400_000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const partitionName = (day: string) => `p${day.replaceAll('-', '')}`;

type Partition = { name: string; bound: string };

async function partitionsOf(db: Knex, table: string): Promise<Partition[]> {
  const rows = (await db('information_schema.partitions')
    .whereRaw('table_schema = DATABASE()')
    .where({ table_name: table })
    .orderBy('partition_ordinal_position')
    .select({ name: 'partition_name', bound: 'partition_description' })) as { name: string; bound: string }[];
  // MariaDB reports RANGE COLUMNS bounds quoted ('2026-11-22').
  return rows.map((r) => ({ name: r.name, bound: r.bound.replaceAll("'", '') }));
}

/**
 * Splits day partitions off `p_future` up to `daysAhead` days after `today` (UTC days). Returns those
 * created. Days before `today` that have no partition yet (a fresh install long after the first
 * managed day, or a service that was down) go to today's partition rather than one empty partition
 * each: only future days are still empty, and today's partition is dropped once all of it is past.
 */
export async function ensureDayPartitions(db: Knex, today: Date, daysAhead = 7): Promise<string[]> {
  return withPartitionLock(db, async () => {
    const created: string[] = [];
    const until = dayOf(new Date(today.getTime() + daysAhead * DAY_MS));
    for (const table of PARTITIONED_TABLES) {
      const bounded = (await partitionsOf(db, table)).filter((p) => p.bound !== 'MAXVALUE');
      const last = bounded.at(-1)?.bound ?? FIRST_MANAGED_DAY;
      const days: string[] = [];
      const first = last > dayOf(today) ? last : dayOf(today);
      for (let day = first; day <= until; day = dayOf(new Date(Date.parse(day) + DAY_MS))) days.push(day);
      if (days.length === 0) continue;
      const parts = days.map(
        (day) => `PARTITION ${partitionName(day)} VALUES LESS THAN ('${dayOf(new Date(Date.parse(day) + DAY_MS))}')`
      );
      await db.raw(
        `ALTER TABLE ?? REORGANIZE PARTITION p_future INTO (${parts.join(', ')}, PARTITION p_future VALUES LESS THAN (MAXVALUE))`,
        [table]
      );
      created.push(...days.map((day) => `${table}.${partitionName(day)}`));
    }
    return created;
  });
}

/** Drops the partitions holding only days before `cutoff` (a UTC day). Returns those dropped. */
export async function dropPartitionsBefore(db: Knex, cutoff: Date): Promise<string[]> {
  return withPartitionLock(db, async () => {
    const dropped: string[] = [];
    const cutoffDay = dayOf(cutoff);
    for (const table of PARTITIONED_TABLES) {
      const expired = (await partitionsOf(db, table)).filter((p) => p.bound !== 'MAXVALUE' && p.bound <= cutoffDay);
      if (expired.length === 0) continue;
      await db.raw(`ALTER TABLE ?? DROP PARTITION ${expired.map((p) => p.name).join(', ')}`, [table]);
      dropped.push(...expired.map((p) => `${table}.${p.name}`));
    }
    return dropped;
  });
}

/** One maintainer at a time across processes; partition DDL from two at once would fail. */
async function withPartitionLock<T>(db: Knex, work: () => Promise<T>): Promise<T> {
  return db.transaction(async (session) => {
    const [rows] = (await session
      .raw("SELECT GET_LOCK(CONCAT('vigil-partitions:', DATABASE()), 60) AS got")
      .options(UNTIMED)) as [{ got: number | null }[]];
    if (rows[0]?.got !== 1) throw new Error('another process held the partition lock for over 60 s');
    try {
      return await work();
    } finally {
      await session.raw("SELECT RELEASE_LOCK(CONCAT('vigil-partitions:', DATABASE()))");
    }
  });
}
