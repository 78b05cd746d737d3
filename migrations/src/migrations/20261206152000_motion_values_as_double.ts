import type { Knex } from 'knex';

/**
 * iOS prints its sensor and GPS values as Swift `String(Double)`: a FLOAT column rounds them to
 * single precision, so the phone's text could not be written back. DOUBLE holds both: Android's
 * float values widen to it exactly (MariaDB converts a FLOAT to DOUBLE without loss), so Android
 * rows keep their bytes. iOS rows stored before this keep their float rounding: only deleting them
 * and processing their archived uploads again brings the phone's digits back. Changing a column's
 * type copies the table. One ALTER per table: MariaDB cannot roll back a second DDL statement.
 */
const COLUMNS: Readonly<Record<string, readonly string[]>> = {
  accelerometer: ['x', 'y', 'z'],
  gyro: ['x_rad_s', 'y_rad_s', 'z_rad_s'],
  magnetometer: ['x_ut', 'y_ut', 'z_ut'],
  devicemotion: [
    'roll_rad',
    'pitch_rad',
    'yaw_rad',
    'rotation_rate_x_rad_s',
    'rotation_rate_y_rad_s',
    'rotation_rate_z_rad_s',
    'gravity_x_g',
    'gravity_y_g',
    'gravity_z_g',
    'user_accel_x_g',
    'user_accel_y_g',
    'user_accel_z_g',
    'magnetic_field_x_ut',
    'magnetic_field_y_ut',
    'magnetic_field_z_ut',
  ],
  gps: ['accuracy_m'],
};

/** The accelerometer's `x` keeps the comment its creating migration gave it. */
const COMMENTS: Readonly<Record<string, string>> = { x: "COMMENT 'as sent: m/s² (Android) or g (iOS)'" };

async function retype(knex: Knex, type: 'DOUBLE' | 'FLOAT'): Promise<void> {
  for (const [table, columns] of Object.entries(COLUMNS)) {
    const changes = columns.map(
      (c) => `MODIFY ${c} ${type} NOT NULL ${(table === 'accelerometer' && COMMENTS[c]) || ''}`
    );
    await knex.raw(`ALTER TABLE ?? ${changes.join(', ')}`, [table]);
  }
}

export async function up(knex: Knex): Promise<void> {
  await retype(knex, 'DOUBLE');
}

export async function down(knex: Knex): Promise<void> {
  await retype(knex, 'FLOAT');
}
