import type { Knex } from 'knex';

/**
 * Walking found in the phone's accelerometer (Forest oak's method), per participant and minute:
 * seconds found walking and their steps (the sum of those seconds' step frequencies, so a day's
 * cadence is steps / seconds). Written once from each upload's samples as it is parsed, so daily
 * features never read raw accelerometer rows; a minute with no walking has no row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('walking_minutes', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('minute').notNullable();
    t.smallint('walking_s').unsigned().notNullable();
    t.double('steps').notNullable();
    t.primary(['participant_id', 'minute']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('walking_minutes');
}
