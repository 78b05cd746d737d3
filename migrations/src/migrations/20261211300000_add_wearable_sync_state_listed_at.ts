import type { Knex } from 'knex';

/**
 * When the vendor last listed new data for the connection (Polar's pull notifications, asked while
 * its webhook is not active): the planner pulls a listed connection, and one never listed only at
 * the safety-net gap.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE wearable_sync_state ADD COLUMN listed_at DATETIME(3) NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE wearable_sync_state DROP COLUMN listed_at');
}
