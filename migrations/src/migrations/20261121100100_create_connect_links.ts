import type { Knex } from 'knex';

/**
 * Connect links an admin hands to a patient. Each carries one OAuth `state` (only its nonce's hash
 * is kept) and, for providers with PKCE, a sealed code verifier. `claimed_at` is set atomically by
 * the callback that uses the state, so a state is spent once; a failed attempt releases it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('connect_links', (t) => {
    t.increments('id').unsigned().primary();
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.string('provider', 16).notNullable();
    t.specificType('token_hash', 'char(64) CHARACTER SET ascii COLLATE ascii_bin').notNullable().unique();
    t.specificType('state_nonce_hash', 'char(64) CHARACTER SET ascii COLLATE ascii_bin').notNullable();
    t.text('pkce_verifier_sealed').nullable();
    t.datetime('expires_at', { precision: 3 }).notNullable();
    t.string('created_by', 190).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('opened_at', { precision: 3 }).nullable();
    t.datetime('claimed_at', { precision: 3 }).nullable();
    t.datetime('completed_at', { precision: 3 }).nullable();
    t.integer('connection_id')
      .unsigned()
      .nullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('SET NULL');
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    t.string('last_error', 64).nullable();
    t.index(['participant_id', 'created_at'], 'connect_links_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('connect_links');
}
