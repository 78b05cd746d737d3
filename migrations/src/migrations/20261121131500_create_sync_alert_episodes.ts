import type { Knex } from 'knex';

/**
 * A sync problem (stale device, connection needing consent) from its first sighting until it
 * resolves: reported once, then again only after the reminder interval.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_alert_episodes', (t) => {
    t.increments('id').unsigned().primary();
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.string('kind', 16).notNullable();
    t.string('subject', 128).notNullable();
    t.datetime('started_at', { precision: 3 }).notNullable();
    t.datetime('last_notified_at', { precision: 3 }).nullable();
    t.datetime('resolved_at', { precision: 3 }).nullable();
    t.index(['connection_id', 'kind', 'resolved_at'], 'sync_alert_episodes_open_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_alert_episodes');
}
