import type { Knex } from 'knex';

/**
 * Exercise sessions with their heart-rate zones (JSON: index, lower/upper bpm, seconds in zone).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('exercises', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('participant_id').unsigned().notNullable();
    t.string('source', 16).notNullable();
    t.string('device', 128).nullable();
    t.string('exercise_id', 190).notNullable();
    t.datetime('start_at', { precision: 3 }).notNullable();
    t.smallint('utc_offset_min').notNullable();
    t.integer('duration_s').unsigned().notNullable();
    t.string('sport', 64).nullable();
    t.double('calories_kcal').nullable();
    t.double('distance_m').nullable();
    t.smallint('hr_avg_bpm').unsigned().nullable();
    t.smallint('hr_max_bpm').unsigned().nullable();
    t.text('hr_zones').nullable();
    t.primary(['connection_id', 'exercise_id']);
    t.index(['participant_id', 'start_at'], 'exercises_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('exercises');
}
