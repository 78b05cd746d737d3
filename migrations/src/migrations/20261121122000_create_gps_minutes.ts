import type { Knex } from 'knex';

/** Per participant and minute: the first fix of the minute and how many fixes there were. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('gps_minutes', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('minute').notNullable();
    t.integer('n').unsigned().notNullable();
    t.datetime('first_t', { precision: 3 }).notNullable();
    t.double('latitude').notNullable();
    t.double('longitude').notNullable();
    t.double('altitude_m').notNullable();
    t.specificType('accuracy_m', 'float').notNullable();
    t.primary(['participant_id', 'minute']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('gps_minutes');
}
