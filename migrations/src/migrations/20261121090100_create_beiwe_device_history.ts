import type { Knex } from 'knex';

/** App version and OS as each phone reported them, a row whenever they change. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('beiwe_device_history', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('seen_at', { precision: 3 }).notNullable();
    t.string('device_id', 200).notNullable();
    t.string('os_type', 8).notNullable();
    t.string('os_version', 32).notNullable();
    t.string('version_code', 32).notNullable();
    t.string('version_name', 32).notNullable();
    t.string('timezone', 64).notNullable();
    t.index(['participant_id', 'seen_at'], 'beiwe_device_history_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('beiwe_device_history');
}
