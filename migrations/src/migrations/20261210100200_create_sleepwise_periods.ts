import type { Knex } from 'knex';

/**
 * Polar SleepWise periods (AccessLink `sleepwise/alertness` and `sleepwise/circadian-bedtime`),
 * which no other table holds: `kind` `alertness` (the day's alertness grade and classification,
 * sleep inertia, the sleep it follows, and the hourly alertness levels as JSON) or
 * `circadian_bedtime` (its quality, the preferred sleep period and the sleep gate). `result_type`
 * tells Polar's `history` from a `prediction`, which a later history of the same period replaces.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sleepwise_periods', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('participant_id').unsigned().notNullable();
    t.string('source', 16).notNullable();
    t.string('device', 128).nullable();
    t.string('kind', 24).notNullable();
    t.datetime('start_at', { precision: 3 }).notNullable();
    t.datetime('end_at', { precision: 3 }).notNullable();
    t.smallint('utc_offset_min').notNullable();
    t.string('entry', 16).nullable();
    t.string('result_type', 48).nullable();
    t.string('validity', 48).nullable();
    t.double('grade').nullable();
    t.string('grade_classification', 48).nullable();
    t.string('grade_type', 48).nullable();
    t.integer('grade_validity_s').unsigned().nullable();
    t.string('sleep_inertia', 48).nullable();
    t.string('sleep_type', 48).nullable();
    t.datetime('sleep_start_at', { precision: 3 }).nullable();
    t.datetime('sleep_end_at', { precision: 3 }).nullable();
    t.text('hourly_levels').nullable();
    t.string('quality', 48).nullable();
    t.datetime('preferred_sleep_start_at', { precision: 3 }).nullable();
    t.datetime('preferred_sleep_end_at', { precision: 3 }).nullable();
    t.datetime('sleep_gate_start_at', { precision: 3 }).nullable();
    t.datetime('sleep_gate_end_at', { precision: 3 }).nullable();
    t.primary(['connection_id', 'kind', 'start_at']);
    t.index(['participant_id', 'start_at'], 'sleepwise_periods_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sleepwise_periods');
}
