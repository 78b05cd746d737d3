import type { Knex } from 'knex';

/** A participant's Beiwe identity: what the phone authenticates with and encrypts to. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('beiwe_participants', (t) => {
    t.integer('participant_id').unsigned().primary().references('id').inTable('participants').onDelete('CASCADE');
    // Phones send only the patient id, so it is unique across all studies (as in Beiwe).
    t.specificType('patient_id', 'char(8) CHARACTER SET ascii COLLATE ascii_bin').notNullable().unique();
    t.string('password_hash', 200).notNullable();
    // Sealed by the vault under context `participant:<id>:beiwe-rsa`.
    t.text('private_key_sealed').notNullable();
    t.string('public_key', 400).notNullable();
    t.string('device_id', 200).nullable();
    t.string('os_type', 8).nullable();
    t.datetime('first_registered_at', { precision: 3 }).nullable();
    t.datetime('last_registered_at', { precision: 3 }).nullable();
    t.datetime('last_upload_at', { precision: 3 }).nullable();
    t.datetime('last_heartbeat_at', { precision: 3 }).nullable();
    t.datetime('retired_at', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('beiwe_participants');
}
