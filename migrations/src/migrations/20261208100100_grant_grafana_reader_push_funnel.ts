import type { Knex } from 'knex';
import { mayGrantReader } from '../reader-role.ts';
import { READER_ROLE } from './20261121140000_grant_grafana_reader.ts';

/**
 * The delivery funnel panels read the survey pushes and the surveys' names. Column grants: leases,
 * FCM message ids and dedupe keys are the sender's business, and a survey's content and schedules
 * are not needed to draw the funnel.
 */
export const READER_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  push_notifications: [
    'id',
    'participant_id',
    'kind',
    'survey_id',
    'schedule_type',
    'scheduled_for',
    'local_day',
    'uuid',
    'resend',
    'state',
    'attempts',
    'platform',
    'sent_at',
    'confirmed_at',
    'error',
  ],
  surveys: ['id', 'study_id', 'object_id', 'survey_type', 'name', 'deleted_at'],
};

export async function grantReaderPushFunnel(knex: Knex, role: string): Promise<void> {
  for (const [table, columns] of Object.entries(READER_COLUMNS)) {
    await knex.raw(`GRANT SELECT (${columns.map(() => '??').join(', ')}) ON ?? TO ?`, [...columns, table, role]);
  }
}

export async function up(knex: Knex): Promise<void> {
  if (await mayGrantReader(knex)) await grantReaderPushFunnel(knex, READER_ROLE);
}

export async function down(knex: Knex): Promise<void> {
  if (await mayGrantReader(knex)) {
    for (const [table, columns] of Object.entries(READER_COLUMNS)) {
      await knex.raw(`REVOKE SELECT (${columns.map(() => '??').join(', ')}) ON ?? FROM ?`, [
        ...columns,
        table,
        READER_ROLE,
      ]);
    }
  }
}
