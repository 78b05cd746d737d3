import type { Knex } from 'knex';
import { createMotionTable } from '../motion-table.ts';

/** Gyroscope samples in rad/s (both OSes); accuracy only on Android. */
export async function up(knex: Knex): Promise<void> {
  await createMotionTable(
    knex,
    'gyro',
    `
    os TINYINT UNSIGNED NOT NULL COMMENT '1 Android, 2 iOS',
    accuracy TINYINT NULL COMMENT 'Android sensor accuracy 0-3; NULL when unknown or iOS',
    x_rad_s FLOAT NOT NULL,
    y_rad_s FLOAT NOT NULL,
    z_rad_s FLOAT NOT NULL`
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('gyro');
}
