import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEVICE_SETTINGS,
  DEVICE_SETTING_KEYS,
  DeviceSettings,
  DeviceSettingsPatch,
  mergeDeviceSettings,
} from './device-settings-schema.ts';
import { SPEC_DEFAULTS } from '../test/beiwe-device-settings.ts';

/** §2.2's stated minimums, and Beiwe's model minimum of 1 for the on/off timers and rates. */
const MINIMUMS: [string, number][] = [
  ['ambient_audio_bitrate', 16000],
  ['ambient_audio_sampling_rate', 16000],
  ['check_for_new_surveys_frequency_seconds', 30],
  ['create_new_data_files_frequency_seconds', 30],
  ['upload_data_files_frequency_seconds', 10],
  ['wifi_log_frequency_seconds', 10],
  ['heartbeat_timer_minutes', 30],
  ['accelerometer_on_duration_seconds', 1],
  ['accelerometer_frequency', 1],
  ['gps_off_duration_seconds', 1],
  ['gyro_frequency', 1],
  ['bluetooth_global_offset_seconds', 0],
  ['resend_period_minutes', 0],
];

/** What Android 3.6 reads outside any try/catch (§2.2): a missing one fails registration. */
const ANDROID_REQUIRED = {
  boolean: ['accelerometer', 'gyro', 'gps', 'calls', 'texts', 'wifi', 'bluetooth', 'power_state'],
  number: [
    'accelerometer_off_duration_seconds',
    'accelerometer_on_duration_seconds',
    'gyro_off_duration_seconds',
    'gyro_on_duration_seconds',
    'bluetooth_on_duration_seconds',
    'bluetooth_total_duration_seconds',
    'bluetooth_global_offset_seconds',
    'gps_off_duration_seconds',
    'gps_on_duration_seconds',
    'check_for_new_surveys_frequency_seconds',
    'create_new_data_files_frequency_seconds',
    'seconds_before_auto_logout',
    'upload_data_files_frequency_seconds',
    'voice_recording_max_time_length_seconds',
    'wifi_log_frequency_seconds',
  ],
  string: ['about_page_text', 'call_clinician_button_text', 'consent_form_text', 'survey_submit_success_toast_text'],
};

const fieldsOf = (patch: unknown) => {
  const result = DeviceSettingsPatch.safeParse(patch);
  return result.success ? [] : result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
};

describe('device settings defaults', () => {
  it("are Beiwe's, for every boolean and integer key of §2.2", () => {
    for (const [key, value] of Object.entries(SPEC_DEFAULTS)) {
      expect([key, DEFAULT_DEVICE_SETTINGS[key as keyof DeviceSettings]]).toEqual([key, value]);
    }
  });

  it('name exactly the §2.2 keys (the booleans, integers, five texts and consent_sections) and validate', () => {
    const texts = [
      'about_page_text',
      'call_clinician_button_text',
      'consent_form_text',
      'survey_submit_success_toast_text',
      'heartbeat_message',
    ];
    expect(new Set(DEVICE_SETTING_KEYS)).toEqual(
      new Set([...Object.keys(SPEC_DEFAULTS), ...texts, 'consent_sections'])
    );
    expect(DeviceSettings.safeParse(DEFAULT_DEVICE_SETTINGS).success).toBe(true);
    expect(DEFAULT_DEVICE_SETTINGS.call_clinician_button_text).toBe('Call My Clinician');
    expect(Object.keys(DEFAULT_DEVICE_SETTINGS.consent_sections).sort()).toEqual(
      [
        'welcome',
        'data_gathering',
        'privacy',
        'data_use',
        'time_commitment',
        'study_survey',
        'study_tasks',
        'withdrawing',
      ].sort()
    );
    expect(DEFAULT_DEVICE_SETTINGS.consent_sections.welcome).toEqual({ text: '', more: '' });
  });

  it('carry every key Android requires, with the JSON type it reads', () => {
    const json = JSON.parse(JSON.stringify(DEFAULT_DEVICE_SETTINGS)) as Record<string, unknown>;
    for (const [type, keys] of Object.entries(ANDROID_REQUIRED)) {
      for (const key of keys) expect([key, typeof json[key]]).toEqual([key, type]);
    }
    for (const key of ANDROID_REQUIRED.number) expect(Number.isInteger(json[key])).toBe(true);
  });
});

describe('device settings validation', () => {
  it.each(MINIMUMS)('%s accepts its minimum %i and refuses one less, naming the field and the rule', (key, min) => {
    expect(fieldsOf({ [key]: min })).toEqual([]);
    expect(fieldsOf({ [key]: min - 1 })).toEqual([{ field: key, message: `must be at least ${min}` }]);
  });

  it('wants integers as JSON integers and booleans as JSON booleans', () => {
    expect(fieldsOf({ accelerometer_frequency: 10.5 })).toEqual([
      { field: 'accelerometer_frequency', message: 'must be a whole number' },
    ]);
    expect(fieldsOf({ accelerometer_frequency: '10' })).toEqual([
      { field: 'accelerometer_frequency', message: 'must be a whole number' },
    ]);
    expect(fieldsOf({ gps: 1 })).toEqual([{ field: 'gps', message: 'must be true or false' }]);
    expect(fieldsOf({ gps: 'true' })).toEqual([{ field: 'gps', message: 'must be true or false' }]);
  });

  it('refuses unknown keys and blank texts (the consent form may be blank), reporting every problem at once', () => {
    const result = DeviceSettingsPatch.safeParse({ acelerometer: true, about_page_text: ' ', gps: 'no' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.code).sort()).toEqual(['custom', 'invalid_type', 'unrecognized_keys']);
    expect(fieldsOf({ consent_form_text: '' })).toEqual([]);
    expect(fieldsOf({ consent_sections: { welcome: { text: 'Hi' } } })).toEqual([
      { field: 'consent_sections.welcome.more', message: 'must be a string' },
    ]);
  });

  it('merges a patch over the current settings, keeping the other keys', () => {
    const merged = mergeDeviceSettings(DEFAULT_DEVICE_SETTINGS, { gps: false, gps_on_duration_seconds: 30 });
    expect(merged).toMatchObject({ gps: false, gps_on_duration_seconds: 30, accelerometer: true });
    expect(Object.keys(merged)).toEqual(DEVICE_SETTING_KEYS);
  });
});
