import type { Knex } from 'knex';

/** Every version of every survey's name, content, settings and schedules: a change never loses the previous one. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('survey_versions', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.integer('survey_id').unsigned().notNullable().references('id').inTable('surveys').onDelete('CASCADE');
    t.integer('version').unsigned().notNullable();
    t.text('name').notNullable();
    t.json('content').notNullable();
    t.json('settings').notNullable();
    t.json('schedules').notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.string('created_by', 190).notNullable();
    t.unique(['survey_id', 'version'], { indexName: 'survey_versions_survey_version_unique' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('survey_versions');
}
