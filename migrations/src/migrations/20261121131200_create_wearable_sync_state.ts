import type { Knex } from 'knex';

/**
 * Sync health per connection: last device sync, last pull and its outcome, and the rate
 * limits last seen for it (JSON), so admins can see them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wearable_sync_state', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .primary()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.datetime('last_device_sync_at', { precision: 3 }).nullable();
    t.datetime('last_pull_at', { precision: 3 }).nullable();
    t.datetime('last_success_at', { precision: 3 }).nullable();
    t.datetime('daily_pulled_at', { precision: 3 }).nullable();
    t.string('last_error', 500).nullable();
    t.datetime('last_error_at', { precision: 3 }).nullable();
    t.text('rate_limits').nullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wearable_sync_state');
}
