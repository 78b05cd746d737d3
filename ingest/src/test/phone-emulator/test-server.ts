import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testPublicKeyBase64 } from './test-keys.ts';

/** A loopback HTTP server for the emulator's own tests: records every request and answers with `reply`. */

export type RecordedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer };
export type Reply = { status: number; body?: string; contentType?: string };

export async function startRecordingServer(reply: (request: RecordedRequest) => Reply) {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(request);
      const { status, body = '', contentType = 'text/plain' } = reply(request);
      res.writeHead(status, { 'content-type': contentType }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** §2.2 device settings with their defaults (a representative server answer). */
export function defaultDeviceSettingsJson(): Record<string, unknown> {
  return {
    id: 1,
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
    about_page_text: 'About this study.',
    call_clinician_button_text: 'Call My Clinician',
    consent_form_text: 'Consent, please.',
    survey_submit_success_toast_text: 'Thank you.',
    heartbeat_message: 'Beiwe may not be running correctly, please open the Beiwe app.',
    consent_sections: { welcome: { text: '', more: '' } },
  };
}

/** A registration response (§2.1) carrying the test public key. */
export function registrationReply(settings: Record<string, unknown> = defaultDeviceSettingsJson()): Reply {
  return {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({
      client_public_key: testPublicKeyBase64,
      device_settings: settings,
      ios_plist: null,
      android_firebase_json: null,
      study_name: 'Emulated study',
      study_id: 'a'.repeat(24),
    }),
  };
}
