import type { Knex } from 'knex';

/**
 * Behavioural features per participant and local day (the study's time zone), in long format: one
 * row per feature and source ('phone' for what the phone's streams give, else the wearable's
 * provider), so a feature added later needs no schema change. `value` is NULL where the day did not
 * hold enough observed data to count (or the platform collects none: calls and texts on iOS);
 * `coverage` (0–1) says how much was observed. `version` is the definition's, bumped when a
 * definition changes so old and new values are never mixed unknowingly.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('daily_features', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.date('day').notNullable();
    t.string('feature', 64).notNullable();
    t.string('source', 16).notNullable();
    t.double('value').nullable();
    t.specificType('coverage', 'float').nullable();
    t.smallint('version').unsigned().notNullable();
    t.datetime('computed_at', { precision: 3 }).notNullable();
    t.primary(['participant_id', 'feature', 'source', 'day']);
    t.index(['day', 'feature'], 'daily_features_day_index');
  });
  // Participant-days whose rows changed since their features were last computed.
  await knex.schema.createTable('daily_feature_dirty', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.date('day').notNullable();
    t.datetime('marked_at', { precision: 3 }).notNullable();
    t.primary(['participant_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('daily_feature_dirty');
  await knex.schema.dropTable('daily_features');
}
