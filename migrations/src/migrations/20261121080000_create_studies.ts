import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('studies', (t) => {
    t.increments('id').unsigned().primary();
    // The 24-character id Beiwe's apps and researchers' data-access scripts know a study by.
    t.specificType('object_id', 'char(24) CHARACTER SET ascii COLLATE ascii_bin').notNullable().unique();
    t.string('name', 200).notNullable();
    t.text('description').notNullable();
    t.string('timezone', 64).notNullable().defaultTo('UTC');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('deleted_at', { precision: 3 }).nullable();
    // MySQL has no partial unique index: this column is the name while the study is live and NULL
    // once deleted, so a deleted study's name can be reused and a clash shows up on restore.
    t.specificType('live_name', 'varchar(200) GENERATED ALWAYS AS (CASE WHEN deleted_at IS NULL THEN name END) STORED');
    t.unique(['live_name'], { indexName: 'studies_live_name_unique' });
    t.index(['deleted_at'], 'studies_deleted_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('studies');
}
