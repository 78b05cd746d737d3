import type { Knex } from 'knex';
import { mayGrantReader } from '../reader-role.ts';
import { READER_ROLE } from './20261121140000_grant_grafana_reader.ts';

/**
 * The ingest-operations dashboard shows wearable pulls: Grafana's reader may see a pull job's
 * kind, range, state, progress and errors, but not who asked for it (`requested_by` is an admin's
 * login) nor the worker bookkeeping.
 */
export const PULL_JOB_COLUMNS = [
  'id',
  'kind',
  'connection_id',
  'range_from',
  'range_to',
  'state',
  'progress_pct',
  'rows_written',
  'current_day',
  'errors',
  'attempts',
  'run_after',
  'created_at',
  'started_at',
  'finished_at',
  'updated_at',
] as const;

const columns = PULL_JOB_COLUMNS.map(() => '??').join(', ');

export async function grantReaderWearables(knex: Knex, role: string): Promise<void> {
  await knex.raw(`GRANT SELECT (${columns}) ON ?? TO ?`, [...PULL_JOB_COLUMNS, 'wearable_pull_jobs', role]);
}

export async function up(knex: Knex): Promise<void> {
  if (await mayGrantReader(knex)) await grantReaderWearables(knex, READER_ROLE);
}

export async function down(knex: Knex): Promise<void> {
  if (await mayGrantReader(knex)) {
    await knex.raw(`REVOKE SELECT (${columns}) ON ?? FROM ?`, [...PULL_JOB_COLUMNS, 'wearable_pull_jobs', READER_ROLE]);
  }
}
