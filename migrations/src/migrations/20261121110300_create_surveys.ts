import type { Knex } from 'knex';

/**
 * Tracking and audio surveys (spec §7.2, §7.3) with their schedules, as they are now; every
 * version, this one included, is also kept in `survey_versions`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('surveys', (t) => {
    t.increments('id').unsigned().primary();
    t.integer('study_id').unsigned().notNullable().references('id').inTable('studies').onDelete('CASCADE');
    // The 24-character id phones know the survey by: it names survey answer and timing files.
    t.specificType('object_id', 'char(24) CHARACTER SET ascii COLLATE ascii_bin').notNullable().unique();
    t.string('survey_type', 16).notNullable();
    t.text('name').notNullable();
    t.json('content').notNullable();
    t.json('settings').notNullable();
    // {weekly, absolute, relative}: small lists read whole whenever a phone downloads its surveys.
    t.json('schedules').notNullable();
    t.integer('version').unsigned().notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('deleted_at', { precision: 3 }).nullable();
    t.index(['study_id', 'deleted_at'], 'surveys_study_deleted_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('surveys');
}
