import type { IdentifierHasher } from './identifiers.ts';
import type { Prng } from './prng.ts';
import type { PhoneOs } from './types.ts';

type DutyCycle = { onSeconds: number; offSeconds: number; hz: number };

/** The device-settings values that shape generated data (specs/beiwe-protocol.md §2.2). */
export type StreamSettings = {
  accelerometer: DutyCycle;
  gyro: DutyCycle;
  magnetometer: DutyCycle;
  devicemotion: DutyCycle;
  gps: DutyCycle;
  ambientAudio: { onSeconds: number; offSeconds: number };
  bluetooth: { onSeconds: number; totalSeconds: number };
  wifiLogSeconds: number;
  newFileSeconds: number;
};

/** What every stream generator gets: one phone's identity and a window [from, to) in Unix ms. */
export type StreamContext = {
  os: PhoneOs;
  patientId: string;
  from: number;
  to: number;
  settings: StreamSettings;
  random: Prng;
  hasher: IdentifierHasher;
  /** Phone numbers this phone's owner calls and texts (raw, before hashing). */
  contacts: readonly string[];
};

/**
 * Settings from a registration or get_latest_device_settings response, with §2.2's defaults for
 * anything absent. Rates the server does not configure (GPS, and the iOS-only sensors) are inferred.
 */
export function streamSettings(deviceSettings: Record<string, unknown> = {}): StreamSettings {
  const num = (key: string, fallback: number) => {
    const value = deviceSettings[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
  };
  return {
    accelerometer: {
      onSeconds: num('accelerometer_on_duration_seconds', 10),
      offSeconds: num('accelerometer_off_duration_seconds', 10),
      hz: num('accelerometer_frequency', 10),
    },
    gyro: {
      onSeconds: num('gyro_on_duration_seconds', 60),
      offSeconds: num('gyro_off_duration_seconds', 600),
      hz: num('gyro_frequency', 10),
    },
    magnetometer: {
      onSeconds: num('magnetometer_on_duration_seconds', 60),
      offSeconds: num('magnetometer_off_duration_seconds', 600),
      hz: 10,
    },
    devicemotion: {
      onSeconds: num('devicemotion_on_duration_seconds', 60),
      offSeconds: num('devicemotion_off_duration_seconds', 600),
      hz: 10,
    },
    gps: { onSeconds: num('gps_on_duration_seconds', 60), offSeconds: num('gps_off_duration_seconds', 600), hz: 1 },
    ambientAudio: {
      onSeconds: num('ambient_audio_on_duration_seconds', 600),
      offSeconds: num('ambient_audio_off_duration_seconds', 600),
    },
    bluetooth: {
      onSeconds: num('bluetooth_on_duration_seconds', 60),
      totalSeconds: num('bluetooth_total_duration_seconds', 300),
    },
    // Android clamps the wifi interval to at least 10 s; the server's minimum is 30 s for new files.
    wifiLogSeconds: Math.max(10, num('wifi_log_frequency_seconds', 300)),
    newFileSeconds: Math.max(30, num('create_new_data_files_frequency_seconds', 900)),
  };
}
