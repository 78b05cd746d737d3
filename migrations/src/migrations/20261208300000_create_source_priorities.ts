import type { Knex } from 'knex';

/**
 * Per study and measurement (`steps`, `heart_rate`, …), the sources in the order the study prefers
 * them: `position` 0 first. `device` null means any device of that source; otherwise the device
 * name exactly as the measurement's rows carry it. The measurements' own rows stay untouched: the preferred series
 * is resolved when read, so changing the order changes every past day at once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('source_priorities', (t) => {
    t.integer('study_id').unsigned().notNullable().references('id').inTable('studies').onDelete('CASCADE');
    t.string('measurement', 32).notNullable();
    t.smallint('position').unsigned().notNullable();
    t.string('source', 16).notNullable();
    t.string('device', 128).nullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.primary(['study_id', 'measurement', 'position']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('source_priorities');
}
