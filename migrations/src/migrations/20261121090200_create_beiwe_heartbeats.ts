import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('beiwe_heartbeats', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('received_at', { precision: 3 }).notNullable();
    t.string('message', 500).nullable();
    t.index(['participant_id', 'received_at'], 'beiwe_heartbeats_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('beiwe_heartbeats');
}
