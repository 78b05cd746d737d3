import type { KeyObject } from 'node:crypto';
import { parsePublicKey } from './encrypt.ts';
import type { PhoneOs } from './types.ts';

/**
 * The checks each app makes on a `register_user` response (specs/beiwe-protocol.md §2.1, §2.2).
 * Android: PostRequest.doRegisterRequest + writeKey + SetDeviceSettings.writeDeviceSettings;
 * iOS: RegisterViewController + SwiftyRSA `PublicKey(base64Encoded:)`.
 */

export type Registration = {
  publicKey: KeyObject;
  /** The key exactly as the server sent it. */
  publicKeyText: string;
  deviceSettings: Record<string, unknown>;
  studyId?: string;
  studyName?: string;
};

export class RegistrationRejected extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string
  ) {
    super(message);
    this.name = 'RegistrationRejected';
  }
}

/** SetDeviceSettings reads these outside any try/catch: a missing one fails registration. */
const ANDROID_REQUIRED = {
  boolean: ['accelerometer', 'gyro', 'gps', 'calls', 'texts', 'wifi', 'bluetooth', 'power_state'],
  integer: [
    'accelerometer_off_duration_seconds',
    'accelerometer_on_duration_seconds',
    'accelerometer_frequency',
    'gyro_off_duration_seconds',
    'gyro_on_duration_seconds',
    'gyro_frequency',
    'bluetooth_on_duration_seconds',
    'bluetooth_total_duration_seconds',
    'bluetooth_global_offset_seconds',
    'check_for_new_surveys_frequency_seconds',
    'create_new_data_files_frequency_seconds',
    'gps_off_duration_seconds',
    'gps_on_duration_seconds',
    'seconds_before_auto_logout',
    'upload_data_files_frequency_seconds',
    'voice_recording_max_time_length_seconds',
    'wifi_log_frequency_seconds',
  ],
  string: ['about_page_text', 'call_clinician_button_text', 'consent_form_text', 'survey_submit_success_toast_text'],
} as const;

/** Throws RegistrationRejected where the app would refuse to register (Android shows a 404 for a 200 it cannot use). */
export function acceptRegistration(os: PhoneOs, status: number, body: string): Registration {
  const ok = os === 'android' ? status === 200 : status >= 200 && status < 300;
  if (!ok) throw new RegistrationRejected(`registration answered ${status}`, status, body);
  const reject = (why: string): never => {
    throw new RegistrationRejected(`unusable registration response: ${why}`, status, body);
  };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return reject('not JSON');
  }
  if (!isRecord(json)) return reject('not a JSON object');
  const key = json.client_public_key;
  if (typeof key !== 'string') return reject('no client_public_key');
  if (os === 'android' && !key.startsWith('MIIBI')) return reject('client_public_key does not start with MIIBI');
  let publicKey: KeyObject;
  try {
    publicKey = parsePublicKey(key);
  } catch {
    return reject('client_public_key is not a base64 DER SPKI RSA key');
  }
  const settings = isRecord(json.device_settings) ? json.device_settings : undefined;
  if (os === 'android') {
    if (!settings) return reject('no device_settings object');
    for (const name of ANDROID_REQUIRED.boolean)
      if (typeof settings[name] !== 'boolean') reject(`device_settings.${name} is not a boolean`);
    for (const name of ANDROID_REQUIRED.integer)
      if (!Number.isInteger(settings[name])) reject(`device_settings.${name} is not an integer`);
    for (const name of ANDROID_REQUIRED.string)
      if (typeof settings[name] !== 'string') reject(`device_settings.${name} is not a string`);
  }
  const registration: Registration = { publicKey, publicKeyText: key, deviceSettings: settings ?? {} };
  if (typeof json.study_id === 'string') registration.studyId = json.study_id;
  if (typeof json.study_name === 'string') registration.studyName = json.study_name;
  return registration;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
