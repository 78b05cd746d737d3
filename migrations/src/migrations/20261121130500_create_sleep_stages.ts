import type { Knex } from 'knex';

/**
 * Stage segments of a sleep session (awake, light, deep, rem, asleep, restless, unknown).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sleep_stages', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.string('session_id', 190).notNullable();
    t.datetime('start_at', { precision: 3 }).notNullable();
    t.datetime('end_at', { precision: 3 }).notNullable();
    t.smallint('utc_offset_min').notNullable();
    t.string('stage', 16).notNullable();
    t.primary(['connection_id', 'session_id', 'start_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sleep_stages');
}
