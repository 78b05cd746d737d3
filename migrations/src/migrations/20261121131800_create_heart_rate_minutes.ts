import type { Knex } from 'knex';

/**
 * Per participant, wearable and minute: what the heart-rate panel reads instead of every reading (a
 * Fitbit alone gives several a minute). Sums (not means) so minutes re-bucket exactly: mean =
 * bpm_sum / n over any set of minutes. Every context (intraday, sleep, exercise, continuous, spot)
 * counts, as on the raw table. Existing readings are rolled up here; the wearable writer keeps it up
 * to date from then on.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('heart_rate_minutes', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.string('source', 16).notNullable();
    t.datetime('minute').notNullable();
    t.integer('n').unsigned().notNullable();
    t.integer('bpm_sum').unsigned().notNullable();
    t.smallint('bpm_min').unsigned().notNullable();
    t.smallint('bpm_max').unsigned().notNullable();
    t.primary(['participant_id', 'source', 'minute']);
  });
  // DATE_FORMAT truncates in the stored UTC whatever the session's time zone.
  await knex.raw(
    `INSERT INTO heart_rate_minutes (participant_id, source, minute, n, bpm_sum, bpm_min, bpm_max)
     SELECT participant_id, source, CAST(DATE_FORMAT(measured_at, '%Y-%m-%d %H:%i:00') AS DATETIME) AS minute,
       COUNT(*), SUM(bpm), MIN(bpm), MAX(bpm)
     FROM heart_rate GROUP BY participant_id, source, minute`
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('heart_rate_minutes');
}
