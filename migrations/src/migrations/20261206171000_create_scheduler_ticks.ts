import type { Knex } from 'knex';

/**
 * One row per run of a recurring job that must run once however many scheduler processes there
 * are (purge, table maintenance, digests, pull planning): the process whose insert of the job's
 * tick succeeds runs it, the others skip that tick.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scheduler_ticks', (t) => {
    t.string('job', 64).notNullable();
    t.datetime('tick_at').notNullable();
    t.string('holder', 128).notNullable();
    t.datetime('claimed_at', { precision: 3 }).notNullable();
    t.primary(['job', 'tick_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('scheduler_ticks');
}
