import { z } from 'zod';

/**
 * Beiwe's device settings (spec §2.2; `DeviceSettings` in beiwe-backend `database/study_models.py`):
 * every key, its default and its minimum. The order is Beiwe's model order, which is the order of
 * its exports. Android reads them with getBoolean/getLong/getString, so integers must be JSON
 * integers and booleans JSON booleans.
 */

/** Beiwe stores integers in PositiveIntegerField (a 32-bit column). */
const INT_MAX = 2_147_483_647;

const flag = z.boolean({ error: 'must be true or false' });

const integer = (min: number) =>
  z
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(INT_MAX, { error: `must be at most ${INT_MAX}` });

const text = (opts: { blank: boolean }) =>
  z
    .string({ error: 'must be a string' })
    .max(50_000, { error: 'must be at most 50000 characters' })
    .refine((s) => opts.blank || s.trim() !== '', { error: 'must not be empty' });

export const CONSENT_SECTION_KEYS = [
  'welcome',
  'data_gathering',
  'privacy',
  'data_use',
  'time_commitment',
  'study_survey',
  'study_tasks',
  'withdrawing',
] as const;

const ConsentSection = z.looseObject({
  text: z.string({ error: 'must be a string' }),
  more: z.string({ error: 'must be a string' }),
});

/** iOS maps the sections as a dictionary; sections Vigil does not know are kept as they are. */
const ConsentSections = z.looseObject(
  Object.fromEntries(CONSENT_SECTION_KEYS.map((k) => [k, ConsentSection.optional()])) as Record<
    (typeof CONSENT_SECTION_KEYS)[number],
    z.ZodOptional<typeof ConsentSection>
  >,
  { error: 'must be an object of sections, each {"text", "more"}' }
);

const fields = {
  accelerometer: flag,
  gps: flag,
  calls: flag,
  texts: flag,
  wifi: flag,
  bluetooth: flag,
  power_state: flag,
  use_anonymized_hashing: flag,
  use_gps_fuzzing: flag,
  call_clinician_button_enabled: flag,
  call_research_assistant_button_enabled: flag,
  ambient_audio: flag,
  proximity: flag,
  gyro: flag,
  magnetometer: flag,
  devicemotion: flag,
  reachability: flag,
  allow_upload_over_cellular_data: flag,
  accelerometer_off_duration_seconds: integer(1),
  accelerometer_on_duration_seconds: integer(1),
  accelerometer_frequency: integer(1),
  ambient_audio_off_duration_seconds: integer(1),
  ambient_audio_on_duration_seconds: integer(1),
  ambient_audio_bitrate: integer(16000),
  ambient_audio_sampling_rate: integer(16000),
  bluetooth_on_duration_seconds: integer(1),
  bluetooth_total_duration_seconds: integer(1),
  bluetooth_global_offset_seconds: integer(0),
  check_for_new_surveys_frequency_seconds: integer(30),
  create_new_data_files_frequency_seconds: integer(30),
  gps_off_duration_seconds: integer(1),
  gps_on_duration_seconds: integer(1),
  seconds_before_auto_logout: integer(1),
  upload_data_files_frequency_seconds: integer(10),
  voice_recording_max_time_length_seconds: integer(0),
  // Android also clamps this to at least 10.
  wifi_log_frequency_seconds: integer(10),
  gyro_off_duration_seconds: integer(1),
  gyro_on_duration_seconds: integer(1),
  gyro_frequency: integer(1),
  magnetometer_off_duration_seconds: integer(1),
  magnetometer_on_duration_seconds: integer(1),
  devicemotion_off_duration_seconds: integer(1),
  devicemotion_on_duration_seconds: integer(1),
  // Beiwe's model refuses blank texts, except the consent form.
  about_page_text: text({ blank: false }),
  call_clinician_button_text: text({ blank: false }),
  consent_form_text: text({ blank: true }),
  survey_submit_success_toast_text: text({ blank: false }),
  consent_sections: ConsentSections,
  heartbeat_message: text({ blank: false }),
  heartbeat_timer_minutes: integer(30),
  resend_period_minutes: integer(0),
};

/** A complete set of settings. */
export const DeviceSettings = z.strictObject(fields);
export type DeviceSettings = z.infer<typeof DeviceSettings>;
export type DeviceSettingKey = keyof DeviceSettings;

/** Some of the settings: what a change names; the rest keep their current values. */
export const DeviceSettingsPatch = z.strictObject(fields).partial();
export type DeviceSettingsPatch = z.infer<typeof DeviceSettingsPatch>;

export const DEVICE_SETTING_KEYS = Object.keys(fields) as DeviceSettingKey[];

const emptySection = () => ({ text: '', more: '' });

/**
 * Beiwe's defaults. The long texts are Vigil's own: Beiwe's about-page default describes Harvard's
 * lab and grant, which would be wrong on a Vigil deployment.
 */
export const DEFAULT_DEVICE_SETTINGS: DeviceSettings = Object.freeze({
  accelerometer: true,
  gps: true,
  calls: true,
  texts: true,
  wifi: true,
  bluetooth: false,
  power_state: true,
  use_anonymized_hashing: true,
  use_gps_fuzzing: false,
  call_clinician_button_enabled: true,
  call_research_assistant_button_enabled: true,
  ambient_audio: false,
  proximity: false,
  gyro: false,
  magnetometer: false,
  devicemotion: false,
  reachability: true,
  allow_upload_over_cellular_data: false,
  accelerometer_off_duration_seconds: 10,
  accelerometer_on_duration_seconds: 10,
  accelerometer_frequency: 10,
  ambient_audio_off_duration_seconds: 600,
  ambient_audio_on_duration_seconds: 600,
  ambient_audio_bitrate: 24000,
  ambient_audio_sampling_rate: 44100,
  bluetooth_on_duration_seconds: 60,
  bluetooth_total_duration_seconds: 300,
  bluetooth_global_offset_seconds: 0,
  check_for_new_surveys_frequency_seconds: 3600,
  create_new_data_files_frequency_seconds: 900,
  gps_off_duration_seconds: 600,
  gps_on_duration_seconds: 60,
  seconds_before_auto_logout: 600,
  upload_data_files_frequency_seconds: 3600,
  voice_recording_max_time_length_seconds: 240,
  wifi_log_frequency_seconds: 300,
  gyro_off_duration_seconds: 600,
  gyro_on_duration_seconds: 60,
  gyro_frequency: 10,
  magnetometer_off_duration_seconds: 600,
  magnetometer_on_duration_seconds: 60,
  devicemotion_off_duration_seconds: 600,
  devicemotion_on_duration_seconds: 60,
  about_page_text:
    'This study collects data from your phone to help researchers and clinicians understand your health. ' +
    'Your data is encrypted on the phone before it is sent and is stored securely. ' +
    'Contact your study team if you have any questions.',
  call_clinician_button_text: 'Call My Clinician',
  consent_form_text:
    'I have read and understood the information about this study, and I agree to take part. ' +
    'I understand that I can withdraw at any time by contacting the study team.',
  survey_submit_success_toast_text: 'Thank you for completing the survey.',
  consent_sections: Object.fromEntries(CONSENT_SECTION_KEYS.map((k) => [k, emptySection()])),
  heartbeat_message: 'Beiwe may not be running correctly, please open the Beiwe app.',
  heartbeat_timer_minutes: 60,
  resend_period_minutes: 180,
});

/** `patch` over `base`, keys in Beiwe's order. */
export function mergeDeviceSettings(base: DeviceSettings, patch: DeviceSettingsPatch): DeviceSettings {
  const merged: Record<string, unknown> = {};
  for (const key of DEVICE_SETTING_KEYS) merged[key] = patch[key] ?? base[key];
  return merged as DeviceSettings;
}
