import type { Knex } from 'knex';

/** Location fixes: degrees, altitude and horizontal accuracy in metres. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('gps', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.tinyint('os').unsigned().notNullable().comment('1 Android, 2 iOS');
    t.double('latitude').notNullable();
    t.double('longitude').notNullable();
    t.double('altitude_m').notNullable();
    t.specificType('accuracy_m', 'float').notNullable();
    t.primary(['participant_id', 't']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('gps');
}
