import type { Knex } from 'knex';

/**
 * Step counts per interval (1 minute for Fitbit and Polar).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('steps', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('participant_id').unsigned().notNullable();
    t.string('source', 16).notNullable();
    t.string('device', 128).nullable();
    t.datetime('start_at', { precision: 3 }).notNullable();
    t.datetime('end_at', { precision: 3 }).notNullable();
    t.smallint('utc_offset_min').notNullable();
    t.integer('steps').unsigned().notNullable();
    t.primary(['connection_id', 'start_at']);
    t.index(['participant_id', 'start_at'], 'steps_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('steps');
}
