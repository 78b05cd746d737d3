import type { Knex } from 'knex';

/**
 * The participant dashboard averages a month of heart rate per interval and wearable (a Fitbit
 * alone gives one reading every few seconds: ~170,000 a month). Reading `source` and `bpm` from
 * the participant's time index itself, instead of looking each row up in the table, keeps that
 * panel within its 300 ms; the new index starts with the old one's columns, which it replaces.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'ALTER TABLE heart_rate ADD INDEX heart_rate_participant_bpm_index (participant_id, measured_at, source, bpm), DROP INDEX heart_rate_participant_index'
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'ALTER TABLE heart_rate ADD INDEX heart_rate_participant_index (participant_id, measured_at), DROP INDEX heart_rate_participant_bpm_index'
  );
}
