import type { DeviceInfo } from './device-info.ts';
import { androidStatusReport, iosStatusReport } from './device-info.ts';
import type { EncodedBody, Field } from './http-bodies.ts';
import { alamofireBoundary, androidFormBody, iosMultipartBody, iosUrlEncodedBody } from './http-bodies.ts';
import type { Prng } from './prng.ts';
import type { PhoneOs } from './types.ts';

/** Endpoint paths per app (specs/beiwe-protocol.md §1.1): iOS adds `/ios/` except for two. */
export const endpointPaths = {
  android: {
    register: '/register_user',
    setPassword: '/set_password',
    upload: '/upload',
    downloadSurveys: '/download_surveys',
    deviceSettings: '/get_latest_device_settings',
    heartbeat: '/mobile-heartbeat',
    fcmToken: '/set_fcm_token',
    /** GraphActivity: a web view posting PostRequest.securityParameters. */
    graph: '/graph',
  },
  ios: {
    register: '/register_user/ios/',
    setPassword: '/set_password/ios/',
    upload: '/upload/ios/',
    downloadSurveys: '/download_surveys/ios/',
    deviceSettings: '/get_latest_device_settings/ios/',
    heartbeat: '/mobile-heartbeat/',
    fcmToken: '/set_fcm_token',
  },
} as const satisfies Record<PhoneOs, Record<string, string>>;

/** Who is asking: what both apps attach to every request. */
export type Identity = {
  os: PhoneOs;
  patientId: string;
  /** b64url(SHA-256(password)) as currently stored on the phone */
  passwordHash: string;
  deviceId: string;
  info: DeviceInfo;
  registered: boolean;
  activeSurveyIds: readonly string[];
  batteryLevel: string;
  now: number;
};

/**
 * A request body the way the app builds it. `fields` are the endpoint's own, in the app's order;
 * Android puts them after the eight security parameters, iOS merges them over its default
 * parameters, so a request's own `notification_uuids` (the pushes it confirms) is what it sends.
 */
export function buildBody(
  who: Identity,
  fields: readonly Field[],
  random: Prng,
  file?: { name: string; bytes: Uint8Array }
): EncodedBody {
  if (who.os === 'android') return androidFormBody([...androidSecurityFields(who), ...fields], file);
  const params: Record<string, string> = { ...iosDefaultParams(who), ...Object.fromEntries(fields) };
  if (file) return iosMultipartBody({ ...params, file_name: file.name }, file, alamofireBoundary(random));
  return iosUrlEncodedBody(params);
}

/** PostRequest.securityParameters, in its order. */
function androidSecurityFields(who: Identity): Field[] {
  return [
    ['patient_id', who.patientId],
    ['password', who.passwordHash],
    ['device_id', who.deviceId],
    ['version_code', who.info.versionCode],
    ['version_name', who.info.versionName],
    ['os_version', who.info.osVersion],
    ['device_status_report', androidStatusReport(who.now, who.info, who.registered)],
    ['timezone', who.info.timezone],
  ];
}

/** ApiManager.setDefaultParameters. */
function iosDefaultParams(who: Identity): Record<string, string> {
  const params: Record<string, string> = {
    password: who.passwordHash,
    patient_id: who.patientId,
    device_id: who.deviceId,
    version_code: who.info.versionCode,
    version_name: who.info.versionName,
    os_version: who.info.osVersion,
    timezone: who.info.timezone,
    supported_features: '["survey_resend"]',
    device_status_report: iosStatusReport(who.now, who.info, who.batteryLevel, who.registered),
  };
  // Only once a study exists on the phone, i.e. after registration.
  if (who.registered) {
    params.notification_uuids = '[]';
    params.active_survey_ids = JSON.stringify(who.activeSurveyIds);
  }
  return params;
}

/**
 * The endpoint's own registration fields, in the app's order: Android RegisterActivity (repeating
 * device_id and os_version after the security parameters), iOS RegisterStudyRequest.
 */
export function registrationFields(
  os: PhoneOs,
  info: DeviceInfo,
  who: { patientId: string; deviceId: string; newPassword: string; phoneNumberHash: string }
): Field[] {
  if (os === 'android') {
    return [
      ['new_password', who.newPassword],
      ['phone_number', who.phoneNumberHash],
      ['device_id', who.deviceId],
      ['device_os', info.deviceOs],
      ['os_version', info.osVersion],
      ['hardware_id', info.hardwareId],
      ['brand', info.brand],
      ['manufacturer', info.manufacturer],
      ['model', info.model],
      ['product', info.product],
      ['beiwe_version', info.beiweVersion],
    ];
  }
  return [
    ['brand', info.brand],
    ['manufacturer', info.manufacturer],
    ['beiwe_version', info.beiweVersion],
    ['device_os', info.deviceOs],
    ['os_version', info.osVersion],
    ['product', info.product],
    ['model', info.model],
    ['patient_id', who.patientId],
    ['phone_number', 'NOT_SUPPLIED'],
    ['new_password', who.newPassword],
  ];
}

/** Request headers beyond the content type: HttpURLConnection's and Alamofire 4's defaults. */
export function clientHeaders(os: PhoneOs, info: DeviceInfo): Record<string, string> {
  if (os === 'android') {
    return {
      'cache-control': 'no-cache',
      'user-agent': `Dalvik/2.1.0 (Linux; U; Android ${info.osVersion}; ${info.model} Build/UQ1A.240205.004)`,
    };
  }
  return {
    'accept-language': 'en-US;q=1.0',
    'user-agent': `Beiwe/${info.versionCode} (harvard.lab.onnela.beiwe.ios; build:${info.versionName}; iOS ${info.osVersion}) Alamofire/4.9.1`,
  };
}
