import type { Knex } from 'knex';

/**
 * Beiwe's "extensive device info tracking", a per-participant debugging switch an admin turns on:
 * while it is on, every authenticated phone request keeps the phone's `device_status_report` with
 * the endpoint, OS and app version, for `/get-participant-device-status-history/v1`. Off by
 * default, as in Beiwe: a busy phone makes thousands of requests a day.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('beiwe_participants', (t) => {
    t.boolean('device_info_tracking').notNullable().defaultTo(false);
  });
  await knex.schema.createTable('beiwe_device_status_reports', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.string('endpoint', 255).notNullable();
    t.string('app_os', 32).notNullable();
    t.string('os_version', 32).notNullable();
    t.string('app_version', 32).notNullable();
    // The report as the phone sent it (a JSON object's text), or null when it sent none.
    t.text('report', 'mediumtext').nullable();
    t.index(['participant_id', 'created_at'], 'beiwe_device_status_reports_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('beiwe_device_status_reports');
  await knex.schema.alterTable('beiwe_participants', (t) => {
    t.dropColumn('device_info_tracking');
  });
}
