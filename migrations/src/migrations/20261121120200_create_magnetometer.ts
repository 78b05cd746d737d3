import type { Knex } from 'knex';
import { createMotionTable } from '../motion-table.ts';

/** iOS raw magnetometer in µT. */
export async function up(knex: Knex): Promise<void> {
  await createMotionTable(
    knex,
    'magnetometer',
    `
    x_ut FLOAT NOT NULL,
    y_ut FLOAT NOT NULL,
    z_ut FLOAT NOT NULL`
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('magnetometer');
}
