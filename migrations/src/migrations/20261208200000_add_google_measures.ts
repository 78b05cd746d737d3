import type { Knex } from 'knex';

/**
 * Fitbit's daily summaries through the Google Health API (google-health-api.md §9.3), one row per
 * patient-local day with a column per value, each filled by its own data type: the breathing rate
 * of the main sleep, sleeping SpO2 (average, bounds, spread over the past weeks), sleeping HRV,
 * skin temperature during sleep against its 30-day baseline, and the cardio fitness (VO2 max).
 * Also the sleep respiratory summary's per-stage rates on `respiratory_rate`, the daily active
 * zone minutes per heart-rate zone on `daily_activity`, and `entry` (device or manual, from
 * Google's `recordingMethod`) on `steps` and `sleep_sessions`, which a patient can log by hand.
 */
const WITH_ENTRY = ['steps', 'sleep_sessions'] as const;
const STAGE_RATES = ['deep_sleep_breaths_per_min', 'light_sleep_breaths_per_min', 'rem_sleep_breaths_per_min'] as const;
const ZONE_MINUTES = ['fat_burn_azm', 'cardio_azm', 'peak_azm'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('daily_vitals', (t) => {
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
    t.string('entry', 16).nullable();
    t.double('breaths_per_min').nullable();
    t.double('spo2_avg_pct').nullable();
    t.double('spo2_lower_pct').nullable();
    t.double('spo2_upper_pct').nullable();
    t.double('spo2_sd_pct').nullable();
    t.double('hrv_rmssd_ms').nullable();
    t.double('hrv_deep_sleep_rmssd_ms').nullable();
    t.double('hrv_entropy').nullable();
    t.smallint('non_rem_hr_bpm').unsigned().nullable();
    t.double('skin_temperature_c').nullable();
    t.double('skin_temperature_baseline_c').nullable();
    t.double('skin_temperature_sd_30d_c').nullable();
    t.double('vo2max_ml_min_kg').nullable();
    t.string('cardio_fitness_level', 16).nullable();
    t.boolean('vo2max_estimated').nullable();
    t.primary(['connection_id', 'local_date']);
    t.index(['participant_id', 'local_date'], 'daily_vitals_participant_index');
  });
  await knex.schema.alterTable('respiratory_rate', (t) => {
    for (const column of STAGE_RATES) t.double(column).nullable();
  });
  await knex.schema.alterTable('daily_activity', (t) => {
    for (const column of ZONE_MINUTES) t.smallint(column).unsigned().nullable();
  });
  for (const table of WITH_ENTRY) {
    await knex.schema.alterTable(table, (t) => {
      t.string('entry', 16).nullable();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of WITH_ENTRY) await knex.schema.alterTable(table, (t) => t.dropColumn('entry'));
  await knex.schema.alterTable('daily_activity', (t) => {
    for (const column of ZONE_MINUTES) t.dropColumn(column);
  });
  await knex.schema.alterTable('respiratory_rate', (t) => {
    for (const column of STAGE_RATES) t.dropColumn(column);
  });
  await knex.schema.dropTable('daily_vitals');
}
