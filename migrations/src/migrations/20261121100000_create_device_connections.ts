import type { Knex } from 'knex';

/**
 * A participant's link to a wearable account (Fitbit through the Google Health API, Withings, Polar).
 * Tokens are sealed by the vault under `connection:<id>:tokens`; `token_version` is the
 * compare-and-swap counter that lets refreshes from several processes spend a refresh token once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('device_connections', (t) => {
    t.increments('id').unsigned().primary();
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.string('provider', 16).notNullable();
    // Which vendor API the tokens belong to: a Fitbit row imported from the legacy Web API says so.
    t.string('api', 32).notNullable();
    t.string('status', 16).notNullable();
    t.string('status_reason', 32).nullable();
    t.string('status_detail', 500).nullable();
    t.datetime('status_changed_at', { precision: 3 }).notNullable();
    t.string('external_user_id', 128).nullable();
    t.string('legacy_user_id', 32).nullable();
    t.string('scopes_requested', 1000).notNullable();
    t.string('scopes_granted', 1000).nullable();
    t.text('tokens_sealed').nullable();
    t.integer('token_version').unsigned().notNullable().defaultTo(0);
    t.datetime('access_expires_at', { precision: 3 }).nullable();
    t.datetime('refresh_expires_at', { precision: 3 }).nullable();
    t.datetime('last_refreshed_at', { precision: 3 }).nullable();
    t.datetime('connected_at', { precision: 3 }).nullable();
    t.datetime('disconnected_at', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    // At most one live (not disconnected) connection per participant and provider, and one live
    // connection per provider account: the database refuses a second, whatever the code does.
    t.specificType(
      'live_provider',
      "varchar(16) GENERATED ALWAYS AS (CASE WHEN status <> 'disconnected' THEN provider END) STORED"
    );
    t.specificType(
      'live_external_user_id',
      "varchar(128) GENERATED ALWAYS AS (CASE WHEN status <> 'disconnected' THEN external_user_id END) STORED"
    );
    t.unique(['participant_id', 'live_provider'], { indexName: 'device_connections_participant_live_unique' });
    t.unique(['live_provider', 'live_external_user_id'], { indexName: 'device_connections_account_live_unique' });
    t.index(['provider', 'status'], 'device_connections_provider_status_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('device_connections');
}
