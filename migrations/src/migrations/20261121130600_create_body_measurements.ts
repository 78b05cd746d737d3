import type { Knex } from 'knex';

/**
 * Body measurements (scale and blood-pressure cuff): one row per measuring moment, one
 * column per quantity with its unit in the name; a later reading of the same moment fills its own columns.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('body_measurements', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('participant_id').unsigned().notNullable();
    t.string('source', 16).notNullable();
    t.string('device', 128).nullable();
    t.datetime('measured_at', { precision: 3 }).notNullable();
    t.smallint('utc_offset_min').notNullable();
    t.double('weight_kg').nullable();
    t.double('fat_ratio_pct').nullable();
    t.double('fat_mass_kg').nullable();
    t.smallint('systolic_mmhg').unsigned().nullable();
    t.smallint('diastolic_mmhg').unsigned().nullable();
    t.double('temperature_c').nullable();
    t.primary(['connection_id', 'measured_at']);
    t.index(['participant_id', 'measured_at'], 'body_measurements_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('body_measurements');
}
