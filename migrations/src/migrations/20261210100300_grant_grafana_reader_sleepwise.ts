import type { Knex } from 'knex';
import { mayGrantReader } from '../reader-role.ts';
import { READER_ROLE } from './20261121140000_grant_grafana_reader.ts';

/** Dashboards show the SleepWise alertness and circadian bedtime beside the other wearable tables. */
export const READER_TABLES = ['sleepwise_periods'] as const;

export async function grantReaderSleepwise(knex: Knex, role: string): Promise<void> {
  for (const table of READER_TABLES) await knex.raw('GRANT SELECT ON ?? TO ?', [table, role]);
}

export async function up(knex: Knex): Promise<void> {
  if (await mayGrantReader(knex)) await grantReaderSleepwise(knex, READER_ROLE);
}

export async function down(knex: Knex): Promise<void> {
  if (await mayGrantReader(knex)) {
    for (const table of READER_TABLES) await knex.raw('REVOKE SELECT ON ?? FROM ?', [table, READER_ROLE]);
  }
}
