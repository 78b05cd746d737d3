import type { Knex } from 'knex';

/** Android Wi-Fi scans; the time is the scan's (from the file name). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wifi', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.string('hashed_mac', 100).notNullable();
    t.integer('frequency_mhz').unsigned().notNullable();
    t.smallint('rssi_dbm').notNullable();
    t.primary(['participant_id', 't', 'hashed_mac']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wifi');
}
