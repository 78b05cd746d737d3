import type { Knex } from 'knex';

/**
 * Respiration rate readings (Withings sleep detail, breaths per minute).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('respiratory_rate', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('participant_id').unsigned().notNullable();
    t.string('source', 16).notNullable();
    t.string('device', 128).nullable();
    t.datetime('measured_at', { precision: 3 }).notNullable();
    t.smallint('utc_offset_min').notNullable();
    t.decimal('breaths_per_min', 5, 2).notNullable();
    t.primary(['connection_id', 'measured_at']);
    t.index(['participant_id', 'measured_at'], 'respiratory_rate_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('respiratory_rate');
}
