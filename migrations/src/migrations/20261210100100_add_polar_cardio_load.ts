import type { Knex } from 'knex';

/**
 * Polar's daily cardio load (AccessLink `cardio-load`): the day's training impulse (TRIMP), the
 * strain (average daily load of the past 7 days), the tolerance (of the past 28 days), their
 * ratio, and Polar's status of the trend (`PRODUCTIVE`, `OVERREACHING`, …). Loads have no unit.
 */
const LOADS = ['cardio_load_trimp', 'cardio_load_strain', 'cardio_load_tolerance', 'cardio_load_ratio'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('daily_activity', (t) => {
    for (const column of LOADS) t.double(column).nullable();
    t.string('cardio_load_status', 48).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('daily_activity', (t) => {
    for (const column of [...LOADS, 'cardio_load_status']) t.dropColumn(column);
  });
}
