import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SPEC_DEFAULTS } from '../beiwe-device-settings.ts';
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
    ...SPEC_DEFAULTS,
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
