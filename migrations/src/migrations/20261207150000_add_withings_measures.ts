import type { Knex } from 'knex';

/**
 * Every Withings measure type whose unit the vendor states (Getmeas `meastype`), one column each
 * with its unit in the name, and how each reading was attributed: `entry` is `device`, `ambiguous`
 * (a device reading that may be another user's) or `manual` (typed in by the patient), null where
 * the vendor does not say. Readings of every vendor stay one table per measurement.
 */
const BODY_COLUMNS = [
  'height_m',
  'fat_free_mass_kg',
  'muscle_mass_kg',
  'bone_mass_kg',
  'hydration_kg',
  'extracellular_water_kg',
  'intracellular_water_kg',
  'visceral_fat_index',
  'skin_temperature_c',
  'pulse_wave_velocity_m_s',
  'vo2max_ml_min_kg',
] as const;
const WITH_ENTRY = ['body_measurements', 'heart_rate', 'spo2', 'exercises'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('body_measurements', (t) => {
    for (const column of BODY_COLUMNS) t.double(column).nullable();
  });
  for (const table of WITH_ENTRY) {
    await knex.schema.alterTable(table, (t) => {
      t.string('entry', 16).nullable();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of WITH_ENTRY) await knex.schema.alterTable(table, (t) => t.dropColumn('entry'));
  await knex.schema.alterTable('body_measurements', (t) => {
    for (const column of BODY_COLUMNS) t.dropColumn(column);
  });
}
