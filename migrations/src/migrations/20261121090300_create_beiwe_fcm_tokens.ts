import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('beiwe_fcm_tokens', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.string('token', 500).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('unregistered_at', { precision: 3 }).nullable();
    t.index(['participant_id', 'unregistered_at'], 'beiwe_fcm_tokens_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('beiwe_fcm_tokens');
}
