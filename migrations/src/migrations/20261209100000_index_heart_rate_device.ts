import type { Knex } from 'knex';

/**
 * The preferred heart-rate series (source priority) picks, per minute, the best-ranked (source,
 * device, connection) present: with the device in the participant's time index that pick is read
 * from the index alone, instead of looking up every reading's row (a month of a Fitbit and a strap
 * took seconds). The device goes last, so the dashboards' and the minute roll-up's reads of source
 * and bpm use the index as before; it replaces the index it extends.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'ALTER TABLE heart_rate ADD INDEX heart_rate_participant_bpm_device_index (participant_id, measured_at, source, bpm, device), DROP INDEX heart_rate_participant_bpm_index'
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'ALTER TABLE heart_rate ADD INDEX heart_rate_participant_bpm_index (participant_id, measured_at, source, bpm), DROP INDEX heart_rate_participant_bpm_device_index'
  );
}
