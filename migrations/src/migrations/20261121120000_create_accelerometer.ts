import type { Knex } from 'knex';
import { createMotionTable } from '../motion-table.ts';

/** Accelerometer samples as sent: Android in m/s², iOS in g (`os` says which); `*_ms2` normalise to m/s². */
export async function up(knex: Knex): Promise<void> {
  await createMotionTable(
    knex,
    'accelerometer',
    `
    os TINYINT UNSIGNED NOT NULL COMMENT '1 Android, 2 iOS',
    accuracy TINYINT NULL COMMENT 'Android sensor accuracy 0-3; NULL when unknown',
    x FLOAT NOT NULL COMMENT 'as sent: m/s² (Android) or g (iOS)',
    y FLOAT NOT NULL,
    z FLOAT NOT NULL,
    x_ms2 FLOAT AS (IF(os = 2, x * 9.80665, x)) VIRTUAL,
    y_ms2 FLOAT AS (IF(os = 2, y * 9.80665, y)) VIRTUAL,
    z_ms2 FLOAT AS (IF(os = 2, z * 9.80665, z)) VIRTUAL`
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('accelerometer');
}
