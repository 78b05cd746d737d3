import type { Knex } from 'knex';

/** iOS network reachability events (wifi / cellular / unreachable). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reachability', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.string('event', 40).notNullable();
    t.primary(['participant_id', 't', 'event']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reachability');
}
