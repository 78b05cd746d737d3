import type { Knex } from 'knex';

/**
 * Vendor notifications. `wearable_notify_channels`: what Vigil registered at a vendor for the
 * whole client (Polar's one webhook, Google's subscriber) or, for Withings, the secret path part
 * of the callback URL every subscription names; the secret sealed. `wearable_notify_subscriptions`:
 * the per-connection subscriptions (Withings subscribes each user). `wearable_notifications`: one row
 * per notification accepted, kept for the replay window, so a notification sent again enqueues nothing.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wearable_notify_channels', (t) => {
    t.string('provider', 16).primary();
    t.text('secret_sealed').notNullable();
    t.string('remote_id', 190).nullable();
    t.string('url', 512).notNullable();
    /** The channel covers every connection of the provider (Polar, Google) rather than subscribed ones. */
    t.boolean('covers_all').notNullable();
    t.boolean('active').notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
  await knex.schema.createTable('wearable_notify_subscriptions', (t) => {
    t.integer('connection_id').unsigned().primary().references('id').inTable('device_connections').onDelete('CASCADE');
    t.string('callback_url', 512).notNullable();
    t.string('applis', 64).notNullable();
    t.datetime('subscribed_at', { precision: 3 }).notNullable();
  });
  await knex.schema.createTable('wearable_notifications', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.string('provider', 16).notNullable();
    t.string('dedupe_key', 64).notNullable();
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('job_id').unsigned().nullable();
    t.datetime('received_at', { precision: 3 }).notNullable();
    t.unique(['provider', 'dedupe_key'], { indexName: 'wearable_notifications_dedupe_unique' });
    t.index(['received_at'], 'wearable_notifications_received_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wearable_notifications');
  await knex.schema.dropTable('wearable_notify_subscriptions');
  await knex.schema.dropTable('wearable_notify_channels');
}
