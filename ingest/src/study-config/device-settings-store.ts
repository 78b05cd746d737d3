import type { Knex } from 'knex';
import { DEFAULT_DEVICE_SETTINGS, DeviceSettings, mergeDeviceSettings } from './device-settings-schema.ts';
import { deviceSettingsExtra, writeExtra, type BeiweExtra } from './beiwe-extra-store.ts';
import { parseJsonColumn } from './json-column.ts';

export type { DeviceSettings } from './device-settings-schema.ts';

/** One saved version; version 0 stands for "nothing saved: Beiwe's defaults". */
export type DeviceSettingsVersion = {
  version: number;
  settings: DeviceSettings;
  createdAt: Date | null;
  createdBy: string | null;
};

type VersionRow = { version: number; settings: unknown; created_at: Date; created_by: string };

const columns = ['version', 'settings', 'created_at', 'created_by'] as const;

/**
 * Settings saved before a newer Vigil added keys get those keys' defaults, so what comes back is
 * always complete and in Beiwe's key order.
 */
const toVersion = (row: VersionRow): DeviceSettingsVersion => ({
  version: row.version,
  settings: mergeDeviceSettings(DEFAULT_DEVICE_SETTINGS, parseJsonColumn(row.settings) as Partial<DeviceSettings>),
  createdAt: row.created_at,
  createdBy: row.created_by,
});

const DEFAULTS_VERSION: DeviceSettingsVersion = {
  version: 0,
  settings: DEFAULT_DEVICE_SETTINGS,
  createdAt: null,
  createdBy: null,
};

export async function currentDeviceSettingsVersion(db: Knex, studyId: number): Promise<DeviceSettingsVersion> {
  const row = (await db('device_settings_versions')
    .select(columns)
    .where({ study_id: studyId })
    .orderBy('version', 'desc')
    .first()) as VersionRow | undefined;
  return row ? toVersion(row) : DEFAULTS_VERSION;
}

/** What the study's phones get now: its latest saved settings, or Beiwe's defaults when none were saved. */
export async function currentDeviceSettings(db: Knex, studyId: number): Promise<DeviceSettings> {
  return (await currentDeviceSettingsVersion(db, studyId)).settings;
}

export async function listDeviceSettingsVersions(
  db: Knex,
  studyId: number,
  page: { limit: number; offset: number }
): Promise<{ items: DeviceSettingsVersion[]; total: number }> {
  const base = db('device_settings_versions').where({ study_id: studyId });
  const [rows, [count]] = await Promise.all([
    base.clone().select(columns).orderBy('version', 'desc').limit(page.limit).offset(page.offset),
    base.clone().count({ n: '*' }),
  ]);
  return { items: (rows as VersionRow[]).map(toVersion), total: Number(count?.n ?? 0) };
}

/**
 * Saves `settings` as the study's next version. The caller holds the study's row lock, so two
 * changes cannot take the same number (and the unique key would refuse it if they did). Settings
 * Vigil does not know, kept from an imported Beiwe file, stay with every later version unless
 * `beiweExtra` replaces them.
 */
export async function insertDeviceSettingsVersion(
  db: Knex,
  studyId: number,
  settings: DeviceSettings,
  actorLogin: string,
  now: Date,
  beiweExtra?: BeiweExtra
): Promise<DeviceSettingsVersion> {
  const current = await currentDeviceSettingsVersion(db, studyId);
  const version = current.version + 1;
  await db('device_settings_versions').insert({
    study_id: studyId,
    version,
    // Checked once more here: whatever the path, nothing a phone would refuse is ever saved.
    settings: JSON.stringify(DeviceSettings.parse(settings)),
    beiwe_extra: writeExtra(beiweExtra ?? (await deviceSettingsExtra(db, studyId))),
    created_at: now,
    created_by: actorLogin,
  });
  return { version, settings, createdAt: now, createdBy: actorLogin };
}
