/**
 * Every Beiwe device setting as the form shows it: grouped, labelled, with Beiwe's default and its
 * minimum (the ingest's `device-settings-schema.ts`; a test in /test keeps the two in step).
 */

export type SettingField =
  | { key: string; label: string; kind: 'flag'; default: boolean; help?: string }
  | { key: string; label: string; kind: 'integer'; default: number; min: number; unit: string; help?: string }
  | { key: string; label: string; kind: 'text' | 'longtext'; default: string; blank: boolean; help?: string };

export type SettingGroup = { id: string; title: string; description: string; fields: SettingField[] };

/** Beiwe stores integers in a 32-bit column. */
export const INT_MAX = 2_147_483_647;

const flag = (key: string, label: string, dflt: boolean, help?: string): SettingField => ({
  key,
  label,
  kind: 'flag',
  default: dflt,
  ...(help ? { help } : {}),
});
const int = (key: string, label: string, dflt: number, min: number, unit: string, help?: string): SettingField => ({
  key,
  label,
  kind: 'integer',
  default: dflt,
  min,
  unit,
  ...(help ? { help } : {}),
});
const text = (key: string, label: string, dflt: string, opts: { long?: boolean; blank?: boolean } = {}) =>
  ({
    key,
    label,
    kind: opts.long ? 'longtext' : 'text',
    default: dflt,
    blank: opts.blank ?? false,
  }) as SettingField;

export const SETTING_GROUPS: SettingGroup[] = [
  {
    id: 'sensors',
    title: 'Passive data streams',
    description: 'What the phones record. A stream with a duty cycle records for the "on" time, then pauses.',
    fields: [
      flag('accelerometer', 'Accelerometer', true),
      int('accelerometer_on_duration_seconds', 'Accelerometer on', 10, 1, 's'),
      int('accelerometer_off_duration_seconds', 'Accelerometer off', 10, 1, 's'),
      int('accelerometer_frequency', 'Accelerometer frequency', 10, 1, 'Hz', 'Android only'),
      flag('gps', 'GPS', true),
      int('gps_on_duration_seconds', 'GPS on', 60, 1, 's'),
      int('gps_off_duration_seconds', 'GPS off', 600, 1, 's'),
      flag('gyro', 'Gyroscope', false),
      int('gyro_on_duration_seconds', 'Gyroscope on', 60, 1, 's'),
      int('gyro_off_duration_seconds', 'Gyroscope off', 600, 1, 's'),
      int('gyro_frequency', 'Gyroscope frequency', 10, 1, 'Hz', 'Android only'),
      flag('magnetometer', 'Magnetometer', false, 'iOS only'),
      int('magnetometer_on_duration_seconds', 'Magnetometer on', 60, 1, 's'),
      int('magnetometer_off_duration_seconds', 'Magnetometer off', 600, 1, 's'),
      flag('devicemotion', 'Device motion', false, 'iOS only'),
      int('devicemotion_on_duration_seconds', 'Device motion on', 60, 1, 's'),
      int('devicemotion_off_duration_seconds', 'Device motion off', 600, 1, 's'),
      flag('bluetooth', 'Bluetooth', false, 'Android only'),
      int('bluetooth_on_duration_seconds', 'Bluetooth on', 60, 1, 's'),
      int('bluetooth_total_duration_seconds', 'Bluetooth cycle', 300, 1, 's', 'On time plus off time'),
      int('bluetooth_global_offset_seconds', 'Bluetooth offset', 0, 0, 's'),
      flag('wifi', 'Wi-Fi', true),
      int('wifi_log_frequency_seconds', 'Wi-Fi scan interval', 300, 10, 's'),
      flag('ambient_audio', 'Ambient audio', false),
      int('ambient_audio_on_duration_seconds', 'Ambient audio on', 600, 1, 's'),
      int('ambient_audio_off_duration_seconds', 'Ambient audio off', 600, 1, 's'),
      int('ambient_audio_bitrate', 'Ambient audio bit rate', 24000, 16000, 'bit/s'),
      int('ambient_audio_sampling_rate', 'Ambient audio sampling rate', 44100, 16000, 'Hz'),
      flag('calls', 'Call log', true, 'Android only'),
      flag('texts', 'Text message log', true, 'Android only'),
      flag('power_state', 'Power state', true),
      flag('proximity', 'Proximity', false, 'iOS only'),
      flag('reachability', 'Reachability', true, 'iOS only'),
    ],
  },
  {
    id: 'timers',
    title: 'Uploads, surveys and heartbeats',
    description: 'How often the phones write, upload and check in.',
    fields: [
      int('create_new_data_files_frequency_seconds', 'New data file every', 900, 30, 's'),
      int('upload_data_files_frequency_seconds', 'Upload every', 3600, 10, 's'),
      flag('allow_upload_over_cellular_data', 'Upload over cellular data', false),
      int('check_for_new_surveys_frequency_seconds', 'Check for new surveys every', 3600, 30, 's'),
      int('heartbeat_timer_minutes', 'Heartbeat every', 60, 30, 'min'),
      text(
        'heartbeat_message',
        'Heartbeat notification',
        'Beiwe may not be running correctly, please open the Beiwe app.'
      ),
      int('resend_period_minutes', 'Resend survey notifications after', 180, 0, 'min', '0: never resend'),
      int('voice_recording_max_time_length_seconds', 'Longest voice recording', 240, 0, 's'),
      int('seconds_before_auto_logout', 'Log out after', 600, 1, 's'),
    ],
  },
  {
    id: 'privacy',
    title: 'Privacy',
    description: 'How identifying data is transformed on the phone before it is uploaded.',
    fields: [
      flag('use_anonymized_hashing', 'Hash identifiers (phone numbers, MAC addresses)', true),
      flag('use_gps_fuzzing', 'Fuzz GPS locations', false),
    ],
  },
  {
    id: 'app',
    title: 'App texts and buttons',
    description: 'What participants see in the app.',
    fields: [
      flag('call_clinician_button_enabled', 'Show the "call my clinician" button', true),
      text('call_clinician_button_text', 'Call clinician button text', 'Call My Clinician'),
      flag('call_research_assistant_button_enabled', 'Show the "call research assistant" button', true),
      text(
        'about_page_text',
        'About page',
        'This study collects data from your phone to help researchers and clinicians understand your health. ' +
          'Your data is encrypted on the phone before it is sent and is stored securely. ' +
          'Contact your study team if you have any questions.',
        { long: true }
      ),
      text('survey_submit_success_toast_text', 'Survey submitted message', 'Thank you for completing the survey.'),
    ],
  },
  {
    id: 'consent',
    title: 'Consent',
    description: 'The consent form shown at registration; the sections are shown by iOS before it.',
    fields: [
      text(
        'consent_form_text',
        'Consent form',
        'I have read and understood the information about this study, and I agree to take part. ' +
          'I understand that I can withdraw at any time by contacting the study team.',
        { long: true, blank: true }
      ),
    ],
  },
];

/** iOS's consent sections, each a short text and a "learn more" text; empty by default. */
export const CONSENT_SECTIONS: Array<{ key: string; label: string }> = [
  { key: 'welcome', label: 'Welcome' },
  { key: 'data_gathering', label: 'Data gathering' },
  { key: 'privacy', label: 'Privacy' },
  { key: 'data_use', label: 'Data use' },
  { key: 'time_commitment', label: 'Time commitment' },
  { key: 'study_survey', label: 'Study survey' },
  { key: 'study_tasks', label: 'Study tasks' },
  { key: 'withdrawing', label: 'Withdrawing' },
];

export const SETTING_FIELDS: SettingField[] = SETTING_GROUPS.flatMap((g) => g.fields);

/** Beiwe's defaults, as the ingest gives a study that has saved none. */
export function defaultSettings(): Record<string, unknown> {
  return {
    ...Object.fromEntries(SETTING_FIELDS.map((f) => [f.key, f.default])),
    consent_sections: Object.fromEntries(CONSENT_SECTIONS.map((s) => [s.key, { text: '', more: '' }])),
  };
}

/** "Default 600 s · at least 1": what the form says under each number. */
export function describeLimits(field: SettingField): string {
  if (field.kind === 'integer') return `Default ${field.default} ${field.unit} · at least ${field.min}`;
  if (field.kind === 'flag') return `Default ${field.default ? 'on' : 'off'}`;
  return field.blank ? 'May be empty' : 'Must not be empty';
}
