import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { StreamTable } from './catalog.ts';
import { stored } from './phone-numbers.ts';
import type { WrittenRows } from './rows.ts';

/**
 * Unix milliseconds to DATETIME(3), exactly: `FROM_UNIXTIME(ms / 1000)` goes through a binary double
 * and truncates, so .679 can come back as .678. Whole seconds plus whole microseconds cannot.
 */
export const fromUnixMs = (v: string) =>
  `TIMESTAMPADD(MICROSECOND, (${v} MOD 1000) * 1000, FROM_UNIXTIME(${v} DIV 1000))`;

/**
 * LOAD DATA LOCAL INFILE from the rows in memory, inside the caller's transaction. IGNORE makes a
 * re-processed upload add nothing: a row already stored has the same primary key. Returns the rows
 * actually added. `onSent` is called once the rows have been handed to the server (or there were
 * none): from then on the server works on them without this thread.
 */
export async function loadRows(
  trx: Knex,
  def: StreamTable,
  rows: Pick<WrittenRows, 'participantId' | 'os' | 'chunks'>,
  onSent?: () => void
): Promise<number> {
  const { participantId, os, chunks } = rows;
  if (chunks.length === 0) {
    onSent?.();
    return 0;
  }
  const floats = os === 1 ? (def.androidFloats ?? []) : [];
  const columns = def.columns.map((c) => (floats.includes(c) ? `@${c}` : c));
  const set = [
    'participant_id = ?',
    `t = ${fromUnixMs('@ms')}`,
    ...(def.set ? [def.set] : []),
    // `\N` stands for -0, stored as `stored` keeps it.
    ...floats.map((c) => `${c} = IFNULL(CAST(@${c} AS FLOAT), ${stored(-0)})`),
  ].join(', ');
  const sql = `LOAD DATA LOCAL INFILE 'rows.tsv' IGNORE INTO TABLE ?? CHARACTER SET utf8mb4 (@ms, ${columns.join(', ')}) SET ${set}`;
  const [result] = (await trx.raw(sql, [def.table, participantId]).options({
    infileStreamFactory: () => {
      const stream = Readable.from(chunks);
      if (onSent) stream.once('end', onSent);
      return stream;
    },
  })) as [{ affectedRows: number }];
  return result.affectedRows;
}
