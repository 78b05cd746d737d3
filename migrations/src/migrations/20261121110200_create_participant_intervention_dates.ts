import type { Knex } from 'knex';

/** When each intervention happened for a participant; no row means no date (no relative surveys yet). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('participant_intervention_dates', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.integer('intervention_id').unsigned().notNullable().references('id').inTable('interventions').onDelete('CASCADE');
    // A calendar date in the study's time zone, as in Beiwe.
    t.date('date').notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.primary(['participant_id', 'intervention_id']);
    t.index(['intervention_id'], 'participant_intervention_dates_intervention_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('participant_intervention_dates');
}
