import type { Knex } from 'knex';

/** The phone's identity at each registration ('none' where the app sent nothing). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('identifiers', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.string('mac', 200).notNullable();
    t.string('phone_number', 200).notNullable();
    t.string('device_id', 200).notNullable();
    t.string('device_os', 100).notNullable();
    t.string('os_version', 100).notNullable();
    t.string('product', 100).notNullable();
    t.string('brand', 100).notNullable();
    t.string('hardware_id', 100).notNullable();
    t.string('manufacturer', 100).notNullable();
    t.string('model', 100).notNullable();
    t.string('beiwe_version', 100).notNullable();
    t.primary(['participant_id', 't']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('identifiers');
}
