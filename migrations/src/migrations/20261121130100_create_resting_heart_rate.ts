import type { Knex } from 'knex';

/**
 * Daily resting heart rate per patient-local day.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('resting_heart_rate', (t) => {
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
    t.smallint('bpm').unsigned().notNullable();
    t.primary(['connection_id', 'local_date']);
    t.index(['participant_id', 'local_date'], 'resting_heart_rate_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('resting_heart_rate');
}
