import type { Knex } from 'knex';

/**
 * Per participant, stream and day (in the study's time zone): rows stored, upload bytes received,
 * and the rows the study's duty-cycle settings lead one to expect (NULL for event-driven streams),
 * so completeness is rows / expected_rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('data_quantity', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.string('stream', 32).notNullable();
    t.date('day').notNullable();
    t.integer('rows').unsigned().notNullable();
    t.bigInteger('bytes').unsigned().notNullable();
    t.integer('expected_rows').unsigned().nullable();
    t.primary(['participant_id', 'stream', 'day']);
    t.index(['day'], 'data_quantity_day_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('data_quantity');
}
