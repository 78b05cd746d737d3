import type { Knex } from 'knex';

/**
 * What an imported Beiwe study file holds that Vigil does not understand (keys of the file, of a
 * survey, of the device settings), kept so the study's export gives it back unchanged. Phones
 * never get it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('studies', (t) => {
    t.json('beiwe_extra').nullable();
  });
  await knex.schema.alterTable('surveys', (t) => {
    t.json('beiwe_extra').nullable();
  });
  await knex.schema.alterTable('device_settings_versions', (t) => {
    t.json('beiwe_extra').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['device_settings_versions', 'surveys', 'studies']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropColumn('beiwe_extra');
    });
  }
}
