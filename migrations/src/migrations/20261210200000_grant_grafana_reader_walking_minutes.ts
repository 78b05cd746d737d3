import type { Knex } from 'knex';
import { mayGrantReader } from '../reader-role.ts';
import { READER_ROLE } from './20261121140000_grant_grafana_reader.ts';

/** The participant dashboard's preferred steps rank the phone's walking minutes after the wearables, as the export does. */
export const READER_TABLES = ['walking_minutes'] as const;

export async function grantReaderWalkingMinutes(knex: Knex, role: string): Promise<void> {
  for (const table of READER_TABLES) await knex.raw('GRANT SELECT ON ?? TO ?', [table, role]);
}

export async function up(knex: Knex): Promise<void> {
  if (await mayGrantReader(knex)) await grantReaderWalkingMinutes(knex, READER_ROLE);
}

export async function down(knex: Knex): Promise<void> {
  if (await mayGrantReader(knex)) {
    for (const table of READER_TABLES) await knex.raw('REVOKE SELECT ON ?? FROM ?', [table, READER_ROLE]);
  }
}
