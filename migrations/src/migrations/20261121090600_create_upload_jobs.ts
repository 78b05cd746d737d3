import type { Knex } from 'knex';

/**
 * The processing queue. Workers claim due rows with FOR UPDATE SKIP LOCKED and hold a lease, so
 * several ingest processes share it and a crashed worker's job is picked up again when its lease ends.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('upload_jobs', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.bigInteger('upload_id').unsigned().notNullable().references('id').inTable('uploads').onDelete('CASCADE');
    t.string('state', 16).notNullable();
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    t.datetime('run_after', { precision: 3 }).notNullable();
    t.string('locked_by', 100).nullable();
    t.datetime('lease_until', { precision: 3 }).nullable();
    t.string('last_error', 2000).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.index(['state', 'run_after'], 'upload_jobs_due_index');
    t.index(['upload_id'], 'upload_jobs_upload_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('upload_jobs');
}
