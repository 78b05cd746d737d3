import type { Knex } from 'knex';

/**
 * The server's Firebase credentials (one row, id 1), each sealed by the vault: the service-account
 * key it sends with, and the Android google-services JSON and iOS GoogleService-Info plist the apps
 * receive at registration. `problem` is set when Google refuses the service account (sending stops
 * until the credentials are replaced) and shown to operators.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('push_credentials', (t) => {
    t.tinyint('id').unsigned().primary();
    t.text('service_account_sealed').nullable();
    t.string('project_id', 64).nullable();
    t.text('android_json_sealed').nullable();
    t.text('ios_plist_sealed').nullable();
    t.string('problem', 500).nullable();
    t.datetime('problem_at', { precision: 3 }).nullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.string('updated_by', 190).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('push_credentials');
}
