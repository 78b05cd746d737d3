import type { Knex } from 'knex';

/**
 * Per study: who receives the sync-health digest (JSON list of addresses) and after how many
 * days without a device sync a device counts as stale (null: the server default).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('study_sync_alerts', (t) => {
    t.integer('study_id').unsigned().notNullable().primary().references('id').inTable('studies').onDelete('CASCADE');
    t.text('recipients').notNullable();
    t.smallint('stale_device_days').unsigned().nullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('study_sync_alerts');
}
