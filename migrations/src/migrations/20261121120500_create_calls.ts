import type { Knex } from 'knex';

/** Android call log: who (hashed), what, how long. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('calls', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.string('hashed_phone_number', 100).notNullable();
    t.string('call_type', 20).notNullable();
    t.integer('duration_s').unsigned().notNullable();
    t.primary(['participant_id', 't', 'hashed_phone_number']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('calls');
}
