import type { Knex } from 'knex';

/** Android SMS/MMS log. `message_length` is NULL for MMS; `time_sent` is the SMS's own time on received messages. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('texts', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.string('hashed_phone_number', 100).notNullable();
    t.string('sent_vs_received', 20).notNullable().comment('sent SMS, received SMS, sent MMS, received MMS');
    t.integer('message_length').unsigned().nullable();
    t.datetime('time_sent', { precision: 3 }).nullable();
    t.primary(['participant_id', 't', 'hashed_phone_number', 'sent_vs_received']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('texts');
}
