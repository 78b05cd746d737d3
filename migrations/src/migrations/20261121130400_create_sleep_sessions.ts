import type { Knex } from 'knex';

/**
 * Sleep sessions, keyed by the provider's own id (sleep is revised, so re-reads upsert).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sleep_sessions', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('participant_id').unsigned().notNullable();
    t.string('source', 16).notNullable();
    t.string('device', 128).nullable();
    t.string('session_id', 190).notNullable();
    t.datetime('start_at', { precision: 3 }).notNullable();
    t.datetime('end_at', { precision: 3 }).notNullable();
    t.smallint('utc_offset_min').notNullable();
    t.date('local_date').notNullable();
    t.integer('asleep_s').unsigned().nullable();
    t.integer('awake_s').unsigned().nullable();
    t.integer('light_s').unsigned().nullable();
    t.integer('deep_s').unsigned().nullable();
    t.integer('rem_s').unsigned().nullable();
    t.smallint('score').unsigned().nullable();
    t.primary(['connection_id', 'session_id']);
    t.index(['participant_id', 'end_at'], 'sleep_sessions_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sleep_sessions');
}
