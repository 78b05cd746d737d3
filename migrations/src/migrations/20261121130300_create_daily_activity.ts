import type { Knex } from 'knex';

/**
 * Daily activity totals per patient-local day (Polar daily activity).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('daily_activity', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('participant_id').unsigned().notNullable();
    t.string('source', 16).notNullable();
    t.string('device', 128).nullable();
    t.date('local_date').notNullable();
    t.integer('steps').unsigned().nullable();
    t.integer('active_duration_s').unsigned().nullable();
    t.double('calories_kcal').nullable();
    t.double('distance_m').nullable();
    t.primary(['connection_id', 'local_date']);
    t.index(['participant_id', 'local_date'], 'daily_activity_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('daily_activity');
}
