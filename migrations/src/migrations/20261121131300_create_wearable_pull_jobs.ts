import type { Knex } from 'knex';

/**
 * Pull jobs (scheduled and on demand) with their progress. Claimed with FOR UPDATE SKIP
 * LOCKED under a lease, so one process runs a job; `dedupe_key` makes scheduling idempotent across processes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wearable_pull_jobs', (t) => {
    t.increments('id').unsigned().primary();
    t.string('kind', 16).notNullable();
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.datetime('range_from', { precision: 3 }).notNullable();
    t.datetime('range_to', { precision: 3 }).notNullable();
    t.string('dedupe_key', 190).nullable().unique();
    t.string('state', 16).notNullable();
    t.tinyint('progress_pct').unsigned().notNullable().defaultTo(0);
    t.integer('rows_written').unsigned().notNullable().defaultTo(0);
    t.date('current_day').nullable();
    t.text('errors').nullable();
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    t.string('locked_by', 64).nullable();
    t.datetime('lease_until', { precision: 3 }).nullable();
    t.string('requested_by', 190).notNullable();
    t.datetime('run_after', { precision: 3 }).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('started_at', { precision: 3 }).nullable();
    t.datetime('finished_at', { precision: 3 }).nullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.index(['state', 'run_after'], 'wearable_pull_jobs_due_index');
    t.index(['connection_id', 'created_at'], 'wearable_pull_jobs_connection_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wearable_pull_jobs');
}
