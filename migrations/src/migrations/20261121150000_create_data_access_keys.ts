import type { Knex } from 'knex';

/**
 * Researchers' data-access keys (Beiwe's `ApiKey`, spec §6). The secret is kept only as its
 * SHA-256: it is 384 random bits, so a fast hash cannot be brute-forced and verifying costs
 * microseconds per request. `study_id` NULL means every study (created by a Grafana server admin).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('data_access_keys', (t) => {
    t.increments('id').unsigned().primary();
    t.specificType('access_key', 'char(64) CHARACTER SET ascii COLLATE ascii_bin').notNullable().unique();
    t.specificType('secret_sha256', 'binary(32)').notNullable();
    t.integer('study_id').unsigned().nullable().references('id').inTable('studies').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.string('created_by', 200).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('disabled_at', { precision: 3 }).nullable();
    t.datetime('last_used_at', { precision: 3 }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('data_access_keys');
}
