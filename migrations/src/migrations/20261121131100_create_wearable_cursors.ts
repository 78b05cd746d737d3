import type { Knex } from 'knex';

/**
 * How far each data type of a connection has been read (the next pull starts here, less
 * the trailing re-read window).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wearable_cursors', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.string('data_type', 32).notNullable();
    t.datetime('synced_until', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.primary(['connection_id', 'data_type']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wearable_cursors');
}
