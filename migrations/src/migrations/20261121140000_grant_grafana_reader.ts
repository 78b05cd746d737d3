import type { Knex } from 'knex';

/**
 * Grafana's MySQL data source reads through a role that may SELECT the data tables and nothing else:
 * no password hashes, sealed keys or tokens, connect links, FCM tokens or the audit trail. MySQL
 * cannot grant on a table that does not exist yet, so the compose init script
 * (deploy/mariadb-init/10-grafana-reader.sh) creates the role and lets the ingest's user grant it,
 * and this migration grants once the tables are there. Where the role is not the ingest user's to
 * grant (development, tests), nothing happens.
 */
export const READER_ROLE = 'vigil_reader';

export const READER_TABLES = [
  'studies',
  'participants',
  'uploads',
  'upload_jobs',
  'beiwe_heartbeats',
  'accelerometer',
  'gyro',
  'magnetometer',
  'devicemotion',
  'gps',
  'calls',
  'texts',
  'power_state',
  'wifi',
  'bluetooth',
  'proximity',
  'reachability',
  'app_log',
  'ios_log',
  'survey_answers',
  'survey_timings',
  'audio_recordings',
  'ambient_audio',
  'motion_minutes',
  'gps_minutes',
  'data_quantity',
  'heart_rate',
  'resting_heart_rate',
  'steps',
  'daily_activity',
  'sleep_sessions',
  'sleep_stages',
  'body_measurements',
  'spo2',
  'hrv',
  'exercises',
  'respiratory_rate',
  'device_status',
  'wearable_sync_state',
] as const;

/** Tables that also hold secrets or account identifiers: only these columns. */
export const READER_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  beiwe_participants: [
    'participant_id',
    'os_type',
    'first_registered_at',
    'last_registered_at',
    'last_upload_at',
    'last_heartbeat_at',
    'retired_at',
  ],
  device_connections: [
    'id',
    'participant_id',
    'provider',
    'api',
    'status',
    'status_reason',
    'status_detail',
    'status_changed_at',
    'scopes_requested',
    'scopes_granted',
    'access_expires_at',
    'refresh_expires_at',
    'last_refreshed_at',
    'connected_at',
    'disconnected_at',
  ],
};

export async function grantReader(knex: Knex, role: string): Promise<void> {
  for (const table of READER_TABLES) await knex.raw('GRANT SELECT ON ?? TO ?', [table, role]);
  for (const [table, columns] of Object.entries(READER_COLUMNS)) {
    await knex.raw(`GRANT SELECT (${columns.map(() => '??').join(', ')}) ON ?? TO ?`, [...columns, table, role]);
  }
}

export async function revokeReader(knex: Knex, role: string): Promise<void> {
  for (const table of READER_TABLES) await knex.raw('REVOKE SELECT ON ?? FROM ?', [table, role]);
  for (const [table, columns] of Object.entries(READER_COLUMNS)) {
    await knex.raw(`REVOKE SELECT (${columns.map(() => '??').join(', ')}) ON ?? FROM ?`, [...columns, table, role]);
  }
}

async function mayGrant(knex: Knex): Promise<boolean> {
  const [rows] = (await knex.raw(
    "SELECT 1 FROM information_schema.applicable_roles WHERE role_name = ? AND is_grantable = 'YES'",
    [READER_ROLE]
  )) as [unknown[]];
  return rows.length > 0;
}

export async function up(knex: Knex): Promise<void> {
  if (await mayGrant(knex)) await grantReader(knex, READER_ROLE);
}

export async function down(knex: Knex): Promise<void> {
  if (await mayGrant(knex)) await revokeReader(knex, READER_ROLE);
}
