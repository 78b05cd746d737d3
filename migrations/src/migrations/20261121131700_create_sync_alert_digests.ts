import type { Knex } from 'knex';

/**
 * Every sync-health digest e-mailed for a study: to whom, the episodes it listed (JSON), and the
 * error when sending failed (its episodes then stay unnotified and are tried again next run).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_alert_digests', (t) => {
    t.increments('id').unsigned().primary();
    t.integer('study_id').unsigned().notNullable().references('id').inTable('studies').onDelete('CASCADE');
    t.datetime('sent_at', { precision: 3 }).notNullable();
    t.json('recipients').notNullable();
    t.json('content').notNullable();
    t.string('error', 500).nullable();
    t.index(['study_id', 'sent_at'], 'sync_alert_digests_study_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_alert_digests');
}
