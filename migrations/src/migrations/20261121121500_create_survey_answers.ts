import type { Knex } from 'knex';

/** One row per question of a submitted survey; `t` is the file's time (answers carry none). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('survey_answers', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.string('survey_id', 64).notNullable();
    t.smallint('row_index').unsigned().notNullable().comment('position in the file: ids can repeat');
    t.string('question_id', 100).notNullable();
    t.string('question_type', 60).notNullable();
    t.text('question_text').notNullable();
    t.text('question_answer_options').notNullable();
    t.text('answer').notNullable();
    t.primary(['participant_id', 'survey_id', 't', 'row_index']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('survey_answers');
}
