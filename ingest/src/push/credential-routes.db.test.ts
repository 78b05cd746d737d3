import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { createLogger } from '../log.ts';
import { asAdmin, grafanaHeaders, testDeps, testVault, withoutSecret } from '../test/fixtures.ts';
import { createPhone } from '../test/phone-emulator/phone.ts';
import { createOwnDatabase } from '../test/test-db.ts';

const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const SERVICE_ACCOUNT = {
  type: 'service_account',
  project_id: 'vigil-study-app',
  private_key_id: 'f0e1d2c3b4a5968778695a4b3c2d1e0f00112233',
  private_key: PRIVATE_KEY,
  client_email: 'firebase-adminsdk-abcde@vigil-study-app.iam.gserviceaccount.com',
  client_id: '109876543210987654321',
  token_uri: 'https://oauth2.googleapis.com/token',
};
const ANDROID = {
  project_info: { project_number: '123456789012', project_id: 'vigil-study-app', storage_bucket: 'b' },
  client: [{ api_key: [{ current_key: 'AIzaSyAndroidKeySecretPart' }] }],
  configuration_version: '1',
};
const PLIST = `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
  <key>API_KEY</key><string>AIzaSyIosKeySecretPart</string>
  <key>GCM_SENDER_ID</key><string>123456789012</string>
  <key>BUNDLE_ID</key><string>org.example.beiwe</string>
  <key>PROJECT_ID</key><string>vigil-study-app</string>
  <key>IS_GCM_ENABLED</key><true/>
</dict>
</plist>`;

describe('push credentials (admin API) and the registration answer', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let archiveDir: string;
  let app: ReturnType<typeof createApp>;
  const lines: string[] = [];

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_push_creds');
    archiveDir = await mkdtemp(join(tmpdir(), 'vigil-push-'));
    const deps = testDeps({
      db: own.db,
      clock: () => new Date(),
      vault: testVault(),
      archiveStore: createLocalArchiveStore(archiveDir),
    });
    app = createApp({ ...deps, log: createLogger('debug', { write: (line: string) => void lines.push(line) }) });
  });
  afterAll(async () => {
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  });

  const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    app.request(`/api/v1/push/credentials${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });

  it('starts with nothing set', async () => {
    const res = await call('GET', '', asAdmin);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ serviceAccount: false, android: false, ios: false, projectId: null });
  });

  it('stores all three sealed and shows only which are set; the registration answer carries the app files', async () => {
    const res = await call('PUT', '', asAdmin, {
      serviceAccount: JSON.stringify(SERVICE_ACCOUNT),
      androidGoogleServices: ANDROID,
      iosPlist: PLIST,
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      serviceAccount: true,
      android: true,
      ios: true,
      projectId: 'vigil-study-app',
      problem: null,
      updatedBy: 'ann',
    });
    const got = await (await call('GET', '', asAdmin)).text();
    const row = JSON.stringify(await own.db('push_credentials').first());
    const audit = JSON.stringify(await own.db('audit_log').where({ action: 'push.credentials.update' }));
    for (const where of [text, got, row, audit, lines.join('\n')]) {
      expect(where).not.toContain('PRIVATE KEY');
      expect(where).not.toContain(PRIVATE_KEY.split('\n')[1]);
      expect(where).not.toContain('AIzaSyAndroidKeySecretPart');
      expect(where).not.toContain('AIzaSyIosKeySecretPart');
    }

    const study = (await (
      await app.request('/api/v1/studies', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ name: 'Push creds' }),
      })
    ).json()) as { id: number };
    const participant = (await (
      await app.request(`/api/v1/studies/${study.id}/participants`, {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ label: 'p1' }),
      })
    ).json()) as { id: number; beiwe: { patientId: string; temporaryPassword: string } };
    for (const os of ['ios', 'android'] as const) {
      const phone = createPhone({
        os,
        serverUrl: 'http://vigil.test',
        patientId: participant.beiwe.patientId,
        temporaryPassword: participant.beiwe.temporaryPassword,
        seed: os,
        fetch: (input, init) => Promise.resolve(app.request(input as string, init)),
      });
      const registration = await phone.register();
      expect(registration.status).toBe(200);
      expect(JSON.parse(registration.body)).toMatchObject({
        ios_plist: {
          API_KEY: 'AIzaSyIosKeySecretPart',
          GCM_SENDER_ID: '123456789012',
          BUNDLE_ID: 'org.example.beiwe',
          PROJECT_ID: 'vigil-study-app',
          IS_GCM_ENABLED: true,
        },
        android_firebase_json: ANDROID,
      });
      if (os === 'ios') {
        // Registration changed the password; the Android phone registers afresh with a new temporary one.
        const reset = (await (
          await app.request(`/api/v1/participants/${participant.id}/beiwe/reset-password`, {
            method: 'POST',
            headers: asAdmin,
          })
        ).json()) as { temporaryPassword: string };
        participant.beiwe.temporaryPassword = reset.temporaryPassword;
      }
    }
  });

  it('clears one credential at a time', async () => {
    const res = await call('DELETE', '/ios', asAdmin);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ serviceAccount: true, android: true, ios: false });
  });

  it('refuses bad files with the field and the reason', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /name at least one of serviceAccount, androidGoogleServices, iosPlist/],
      [
        { serviceAccount: { ...SERVICE_ACCOUNT, type: 'authorized_user' } },
        /serviceAccount\.type: must be "service_account"/,
      ],
      [
        { serviceAccount: { ...SERVICE_ACCOUNT, private_key: 'x' } },
        /serviceAccount\.private_key: must be the PEM private key/,
      ],
      [{ serviceAccount: 'not json' }, /serviceAccount/],
      [{ androidGoogleServices: { client: [] } }, /androidGoogleServices\.project_info: is required/],
      [{ iosPlist: '{"API_KEY":"x"}' }, /iosPlist: expected an XML property list/],
      [{ apnsKey: 'x' }, /apnsKey: is not a known field/],
    ];
    for (const [body, message] of cases) {
      const res = await call('PUT', '', asAdmin, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
    expect((await call('DELETE', '/apns', asAdmin)).status).toBe(400);
  });

  it('is for Admins only, reading included; without the shared secret it is 401', async () => {
    for (const role of ['Editor', 'Viewer'] as const) {
      expect((await call('GET', '', grafanaHeaders(role))).status).toBe(403);
      expect((await call('PUT', '', grafanaHeaders(role), { iosPlist: PLIST })).status).toBe(403);
      expect((await call('DELETE', '/android', grafanaHeaders(role))).status).toBe(403);
    }
    expect((await call('GET', '', withoutSecret)).status).toBe(401);
    expect((await call('PUT', '', withoutSecret, { iosPlist: PLIST })).status).toBe(401);
  });
});
