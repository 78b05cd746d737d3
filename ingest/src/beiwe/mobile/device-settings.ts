/**
 * The device settings object the apps receive at registration and from
 * `get_latest_device_settings` (spec §2.2): Beiwe's defaults, until studies configure their own.
 * Android refuses to register if a required key is missing, and reads integers and booleans as
 * JSON numbers and booleans, so the shape is exact.
 */
const consentSection = () => ({ text: '', more: '' });

export const DEFAULT_DEVICE_SETTINGS = {
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
  upload_data_files_frequency_seconds: 3600,
  gps_off_duration_seconds: 600,
  gps_on_duration_seconds: 60,
  seconds_before_auto_logout: 600,
  voice_recording_max_time_length_seconds: 240,
  wifi_log_frequency_seconds: 300,
  gyro_off_duration_seconds: 600,
  gyro_on_duration_seconds: 60,
  gyro_frequency: 10,
  magnetometer_off_duration_seconds: 600,
  magnetometer_on_duration_seconds: 60,
  devicemotion_off_duration_seconds: 600,
  devicemotion_on_duration_seconds: 60,
  heartbeat_timer_minutes: 60,
  resend_period_minutes: 180,
  about_page_text:
    'This study collects data from your phone to help researchers and clinicians understand your health. ' +
    'Your data is encrypted on the phone before it is sent and is stored securely. ' +
    'Contact your study team if you have any questions.',
  call_clinician_button_text: 'Call My Clinician',
  consent_form_text:
    'I have read and understood the information about this study, and I agree to take part. ' +
    'I understand that I can withdraw at any time by contacting the study team.',
  survey_submit_success_toast_text: 'Thank you for completing the survey.',
  heartbeat_message: 'Beiwe may not be running correctly, please open the Beiwe app.',
  consent_sections: {
    welcome: consentSection(),
    data_gathering: consentSection(),
    privacy: consentSection(),
    data_use: consentSection(),
    time_commitment: consentSection(),
    study_survey: consentSection(),
    study_tasks: consentSection(),
    withdrawing: consentSection(),
  },
} as const;

export type DeviceSettings = typeof DEFAULT_DEVICE_SETTINGS & { id: number };

/** Beiwe includes the settings row's integer id; a study has one settings row, so its id serves. */
export function deviceSettingsFor(studyId: number): DeviceSettings {
  return { id: studyId, ...DEFAULT_DEVICE_SETTINGS };
}
