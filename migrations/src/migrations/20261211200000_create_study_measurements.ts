import type { Knex } from 'knex';

/**
 * The wearable measurements a study collects (a JSON array of catalogue names, which may be
 * empty). No row: the study never chose, and collects the default set.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('study_measurements', (t) => {
    t.integer('study_id').unsigned().notNullable().primary().references('id').inTable('studies').onDelete('CASCADE');
    t.json('measurements').notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('study_measurements');
}
