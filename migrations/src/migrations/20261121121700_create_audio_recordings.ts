import type { Knex } from 'knex';

/** Voice recordings answering audio surveys; the audio stays in the raw archive (upload_id). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audio_recordings', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.string('survey_id', 64).notNullable();
    t.bigInteger('upload_id').unsigned().notNullable().references('id').inTable('uploads').onDelete('CASCADE');
    t.string('format', 8).notNullable();
    t.integer('size_bytes').unsigned().notNullable();
    t.primary(['participant_id', 'survey_id', 't']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audio_recordings');
}
