import type { Knex } from 'knex';

/** Android app log lines; `message_hash` tells apart different lines logged in the same millisecond. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('app_log', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.specificType('message_hash', 'binary(8)').notNullable();
    t.text('message').notNullable();
    t.primary(['participant_id', 't', 'message_hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('app_log');
}
