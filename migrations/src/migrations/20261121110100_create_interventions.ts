import type { Knex } from 'knex';

/** A study's named interventions (e.g. "surgery"): relative survey schedules count days from their dates. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('interventions', (t) => {
    t.increments('id').unsigned().primary();
    t.integer('study_id').unsigned().notNullable().references('id').inTable('studies').onDelete('CASCADE');
    // Beiwe's study JSON refers to interventions by name, so a name is unique within its study.
    t.string('name', 200).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.unique(['study_id', 'name'], { indexName: 'interventions_study_name_unique' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('interventions');
}
