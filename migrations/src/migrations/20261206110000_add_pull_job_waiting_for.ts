import type { Knex } from 'knex';

/**
 * Why a queued pull job waits: a provider quota spent until its window resets puts the job back
 * with a later `run_after`, and operations read the reason beside it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wearable_pull_jobs', (t) => {
    t.string('waiting_for', 255).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wearable_pull_jobs', (t) => {
    t.dropColumn('waiting_for');
  });
}
