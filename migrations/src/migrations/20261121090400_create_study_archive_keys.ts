import type { Knex } from 'knex';

/** Each study's raw-archive data key, sealed by the vault under `study:<id>:archive-key`. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('study_archive_keys', (t) => {
    t.integer('study_id').unsigned().primary().references('id').inTable('studies').onDelete('CASCADE');
    t.text('data_key_sealed').notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('study_archive_keys');
}
