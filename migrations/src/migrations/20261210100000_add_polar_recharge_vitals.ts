import type { Knex } from 'knex';

/**
 * Polar's Nightly Recharge, one per night (AccessLink `nightly-recharge`): beside its HRV and
 * breathing rate (the existing `hrv_rmssd_ms` and `breaths_per_min`), the ANS charge (-10 to +10
 * against the patient's usual 28 days, no unit) and its status (1 much below usual … 5 much above),
 * the Nightly Recharge status (1 very poor … 6 very good), and the heart rate and beat-to-beat
 * interval averaged over the 4 hours from 30 minutes after falling asleep.
 */
const COLUMNS = ['ans_charge', 'recharge_beat_interval_avg_ms'] as const;
const STATUSES = ['ans_charge_status', 'nightly_recharge_status', 'recharge_hr_avg_bpm'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('daily_vitals', (t) => {
    for (const column of COLUMNS) t.double(column).nullable();
    for (const column of STATUSES) t.smallint(column).unsigned().nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('daily_vitals', (t) => {
    for (const column of [...COLUMNS, ...STATUSES]) t.dropColumn(column);
  });
}
