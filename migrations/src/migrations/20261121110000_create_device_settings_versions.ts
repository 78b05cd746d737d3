import type { Knex } from 'knex';

/**
 * A study's Beiwe device settings (spec §2.2), one row per version: a change adds a row and the
 * highest version is what phones get. A study with no row uses Beiwe's defaults.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('device_settings_versions', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.integer('study_id').unsigned().notNullable().references('id').inTable('studies').onDelete('CASCADE');
    t.integer('version').unsigned().notNullable();
    // Every §2.2 key, as the phones receive it (without `id`).
    t.json('settings').notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.string('created_by', 190).notNullable();
    t.unique(['study_id', 'version'], { indexName: 'device_settings_versions_study_version_unique' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('device_settings_versions');
}
