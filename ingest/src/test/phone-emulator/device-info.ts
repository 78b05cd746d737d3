import type { Prng } from './prng.ts';
import type { PhoneOs } from './types.ts';

/**
 * What a phone says about itself on every request (specs/beiwe-protocol.md §1.3) and at
 * registration (§2). Android: PostRequest.securityParameters, DeviceInfo, PermissionHandler;
 * iOS: ApiManager.setDefaultParameters, RegisterStudyRequest.
 */
export type DeviceInfo = {
  /** Build.VERSION.RELEASE / UIDevice.systemVersion */
  osVersion: string;
  /** `device_os`: "Android", or UIDevice.systemName */
  deviceOs: string;
  model: string;
  manufacturer: string;
  brand: string;
  product: string;
  /** Build.HARDWARE; iOS sends none */
  hardwareId: string;
  versionCode: string;
  versionName: string;
  beiweVersion: string;
  timezone: string;
};

/** Android 3.6.0 (versionCode 84, Play Store flavour) on a Pixel 7; iOS 2.5.2 (build 2024.46) on an iPhone 13. */
export function defaultDeviceInfo(os: PhoneOs): DeviceInfo {
  return os === 'android'
    ? {
        osVersion: '14',
        deviceOs: 'Android',
        model: 'Pixel 7',
        manufacturer: 'Google',
        brand: 'google',
        product: 'panther',
        hardwareId: 'panther',
        versionCode: '84',
        versionName: '3.6.0',
        beiweVersion: 'googlePlayStore-3.6.0',
        timezone: 'America/New_York',
      }
    : {
        osVersion: '17.5.1',
        deviceOs: 'iOS',
        model: 'iPhone14,5',
        manufacturer: 'apple',
        brand: 'apple',
        product: 'iPhone',
        hardwareId: '',
        versionCode: '2.5.2',
        versionName: '2024.46',
        beiweVersion: '2024.46',
        timezone: 'America/New_York',
      };
}

/** Android's `device_id` input: Settings.Secure.ANDROID_ID, 16 hex digits. iOS: an upper-case UUID. */
export function newHardwareIdentity(os: PhoneOs, random: Prng): string {
  if (os === 'android') return random.hex(16);
  const h = random.hex(32).toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-A${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * PermissionHandler.getDeviceStatusReport: an org.json object (insertion order, `/` escaped as
 * `\/`), sent raw in the unescaped body, so its spaces, commas, quotes and the narrow no-break
 * space Android 14's ICU puts before AM/PM all reach the server as they are. A representative
 * subset of the keys.
 */
export function androidStatusReport(now: number, info: DeviceInfo, registered: boolean): string {
  const locale = new Intl.DateTimeFormat('en-US', {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone: info.timezone,
  });
  const report = {
    time_locale: `${locale.format(now)} ${info.timezone}`,
    is_registered: registered,
    can_upload: true,
    allow_upload_over_cellular: false,
    most_recent_service_start: registered ? locale.format(now - 3_600_000) : 'never',
    most_recent_upload_attempt: registered ? locale.format(now - 300_000) : 'never',
    permission_access_background_location: true,
    permission_access_fine_location: true,
    permission_read_call_log: true,
    permission_read_sms: true,
    permission_record_audio: true,
    power_is_device_idle_mode: false,
    power_is_interactive: true,
  };
  return JSON.stringify(report).replace(/\//g, '\\/');
}

/** ApiManager's `device_status_report`: JSONSerialization of a [String: String], `/` escaped as `\/`. */
export function iosStatusReport(now: number, info: DeviceInfo, batteryLevel: string, registered: boolean): string {
  const stamp = new Date(now).toISOString().replace('T', ' ').slice(0, 19);
  const report: Record<string, string> = {
    app_commit: 'adcc6ec',
    background_refresh_status: 'available',
    battery_level: batteryLevel,
    battery_state: '1',
    device_model: info.product,
    location_permission: 'authorized_always',
    notification_permission: 'authorized',
    number_uploads_queued: '0',
    on_wifi: 'true',
    proximity_monitoring_enabled: 'false',
    timestamp: `${stamp} ${info.timezone}`,
    transition_count: '0',
  };
  if (registered) report.last_app_start = stamp;
  // Swift dictionaries have no order; sorted keys keep runs reproducible.
  const sorted = Object.fromEntries(Object.entries(report).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify(sorted).replace(/\//g, '\\/');
}
