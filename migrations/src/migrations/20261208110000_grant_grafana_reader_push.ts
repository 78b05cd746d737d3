import type { Knex } from 'knex';
import { mayGrantReader } from '../reader-role.ts';
import { READER_ROLE } from './20261121140000_grant_grafana_reader.ts';

/**
 * The ingest operations dashboard shows whether Google refuses the Firebase service account, the
 * pushes due but unsent and FCM's errors. Column grants, as for the funnel: of the pushes what
 * those panels count (leases and FCM message ids stay the sender's business); of the credentials
 * only the status columns, never the sealed files.
 */
export const READER_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  push_notifications: ['id', 'state', 'next_attempt_at', 'error', 'created_at'],
  push_credentials: ['id', 'project_id', 'problem', 'problem_at', 'updated_at'],
};

export async function grantReaderPush(knex: Knex, role: string): Promise<void> {
  for (const [table, columns] of Object.entries(READER_COLUMNS)) {
    await knex.raw(`GRANT SELECT (${columns.map(() => '??').join(', ')}) ON ?? TO ?`, [...columns, table, role]);
  }
}

export async function up(knex: Knex): Promise<void> {
  if (await mayGrantReader(knex)) await grantReaderPush(knex, READER_ROLE);
}

export async function down(knex: Knex): Promise<void> {
  if (!(await mayGrantReader(knex))) return;
  for (const [table, columns] of Object.entries(READER_COLUMNS)) {
    await knex.raw(`REVOKE SELECT (${columns.map(() => '??').join(', ')}) ON ?? FROM ?`, [
      ...columns,
      table,
      READER_ROLE,
    ]);
  }
}
