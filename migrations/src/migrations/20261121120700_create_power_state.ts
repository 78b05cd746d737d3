import type { Knex } from 'knex';

/** Screen, power and battery events; `battery_level` (0-1) on iOS only. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('power_state', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.tinyint('os').unsigned().notNullable().comment('1 Android, 2 iOS');
    t.string('event', 120).notNullable();
    t.specificType('battery_level', 'float').nullable();
    t.primary(['participant_id', 't', 'event']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('power_state');
}
