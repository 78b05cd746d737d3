import type { Knex } from 'knex';
import { createMotionTable } from '../motion-table.ts';

/** iOS CMDeviceMotion: attitude (rad), rotation rate (rad/s), gravity and user acceleration (g), magnetic field (µT). */
export async function up(knex: Knex): Promise<void> {
  await createMotionTable(
    knex,
    'devicemotion',
    `
    roll_rad FLOAT NOT NULL,
    pitch_rad FLOAT NOT NULL,
    yaw_rad FLOAT NOT NULL,
    rotation_rate_x_rad_s FLOAT NOT NULL,
    rotation_rate_y_rad_s FLOAT NOT NULL,
    rotation_rate_z_rad_s FLOAT NOT NULL,
    gravity_x_g FLOAT NOT NULL,
    gravity_y_g FLOAT NOT NULL,
    gravity_z_g FLOAT NOT NULL,
    user_accel_x_g FLOAT NOT NULL,
    user_accel_y_g FLOAT NOT NULL,
    user_accel_z_g FLOAT NOT NULL,
    magnetic_field_calibration_accuracy TINYINT NULL COMMENT '-1 uncalibrated, 0 low, 1 medium, 2 high; NULL unknown',
    magnetic_field_x_ut FLOAT NOT NULL,
    magnetic_field_y_ut FLOAT NOT NULL,
    magnetic_field_z_ut FLOAT NOT NULL`
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('devicemotion');
}
