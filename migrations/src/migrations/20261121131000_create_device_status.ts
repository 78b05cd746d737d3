import type { Knex } from 'knex';

/**
 * Each device seen on a connection: its last sync with the provider and battery, as last read.
 * A new device on the same account is a new row, so a device change stays visible.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('device_status', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('participant_id').unsigned().notNullable();
    t.string('source', 16).notNullable();

    t.string('device_id', 128).notNullable();
    t.string('model', 128).nullable();
    t.string('device_type', 32).nullable();
    t.tinyint('battery_pct').unsigned().nullable();
    t.string('battery_status', 16).nullable();
    t.datetime('last_sync_at', { precision: 3 }).nullable();
    t.datetime('first_seen_at', { precision: 3 }).notNullable();
    t.datetime('last_seen_at', { precision: 3 }).notNullable();
    t.primary(['connection_id', 'device_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('device_status');
}
