import type { Knex } from 'knex';

/** Survey interaction events; `event` is iOS-only (present/changed/unpresent/submitted). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('survey_timings', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.string('survey_id', 64).notNullable();
    t.specificType('row_hash', 'binary(8)').notNullable();
    t.string('question_id', 100).notNullable();
    t.string('question_type', 60).notNullable();
    t.text('question_text').notNullable();
    t.text('question_answer_options').notNullable();
    t.text('answer').notNullable();
    t.string('event', 100)
      .nullable()
      .comment('iOS: present, changed, unpresent, submitted; Android: the bare event rows');
    t.primary(['participant_id', 'survey_id', 't', 'row_hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('survey_timings');
}
