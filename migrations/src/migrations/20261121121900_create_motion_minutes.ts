import type { Knex } from 'knex';

/**
 * Per participant, motion stream and minute: what dashboards read instead of 10 Hz raw rows.
 * Sums (not means) so minutes re-bucket exactly: mean = mag_sum / n, variance = mag_sq_sum / n - mean².
 * Magnitudes are in the stream's normalised unit (m/s², rad/s, µT; devicemotion: user acceleration in m/s²).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('motion_minutes', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.string('stream', 16).notNullable();
    t.datetime('minute').notNullable();
    t.integer('n').unsigned().notNullable();
    t.double('mag_sum').notNullable();
    t.double('mag_sq_sum').notNullable();
    t.specificType('mag_min', 'float').notNullable();
    t.specificType('mag_max', 'float').notNullable();
    t.primary(['participant_id', 'stream', 'minute']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('motion_minutes');
}
