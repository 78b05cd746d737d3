import type { Knex } from 'knex';
import { currentDeviceSettings, type DeviceSettings } from '../../study-config/device-settings-store.ts';

/**
 * The device settings object the apps receive at registration and from
 * `get_latest_device_settings` (spec §2.2): the study's current settings, or Beiwe's defaults when
 * none were saved. Android refuses to register if a required key is missing and reads integers and
 * booleans as JSON numbers and booleans; the study-config schema keeps every key typed that way.
 */
export type PhoneDeviceSettings = { id: number } & DeviceSettings;

/** Beiwe includes the settings row's integer id; a study has one settings object, so its id serves. */
export async function deviceSettingsFor(db: Knex, studyId: number): Promise<PhoneDeviceSettings> {
  return { id: studyId, ...(await currentDeviceSettings(db, studyId)) };
}
