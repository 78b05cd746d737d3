import type { Knex } from 'knex';

/**
 * Heart-rate samples from every wearable, one row per reading. `context` tells intraday
 * tracker samples from sleep, exercise, continuous (Polar 5-minute) and spot (Withings) readings.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('heart_rate', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('participant_id').unsigned().notNullable();
    t.string('source', 16).notNullable();
    t.string('device', 128).nullable();
    t.string('context', 16).notNullable();
    t.datetime('measured_at', { precision: 3 }).notNullable();
    t.smallint('utc_offset_min').notNullable();
    t.smallint('bpm').unsigned().notNullable();
    t.primary(['connection_id', 'context', 'measured_at']);
    t.index(['participant_id', 'measured_at'], 'heart_rate_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('heart_rate');
}
