import { describe, expect } from 'vitest';
import { createApp } from '../app.ts';
import { asAdmin, test, testConfig, testDeps, withoutSecret } from '../test/fixtures.ts';

const KB = 1024;

/** Each endpoint family's body limit, with small limits so the bodies stay small. */
describe('body limits per endpoint family', () => {
  const limits = {
    VIGIL_UNAUTHENTICATED_MAX_BYTES: String(8 * KB),
    VIGIL_DATA_ACCESS_MAX_BYTES: String(64 * KB),
    VIGIL_ADMIN_MAX_BYTES: String(64 * KB),
    VIGIL_UPLOAD_MAX_BYTES: String(256 * KB),
  };

  test('the credentials decide how much may follow them', async ({ db, clock, vault, archiveStore }) => {
    const app = createApp(testDeps({ db, clock, vault, archiveStore, config: testConfig(limits) }));
    const admin = (path: string, body: string, headers: Record<string, string> = asAdmin) =>
      app.request(`/api/v1${path}`, { method: 'POST', headers, body });
    const form = (path: string, body: string) =>
      app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

    // Admin: the right secret may send up to the admin limit; without it the body is never read.
    const name = (size: number) => JSON.stringify({ name: 'n', description: 'd'.repeat(size) });
    expect((await admin('/studies', name(70 * KB))).status).toBe(413);
    expect((await admin('/studies', name(70 * KB), withoutSecret)).status).toBe(401);
    const study = (await (await admin('/studies', JSON.stringify({ name: 'Limits' }))).json()) as {
      id: number;
      objectId: string;
    };
    const enrolled = (await (
      await admin(`/studies/${study.id}/participants`, JSON.stringify({ label: 'l1' }))
    ).json()) as {
      beiwe: { patientId: string };
    };
    const key = (await (await admin('/data-access/keys', JSON.stringify({ studyId: study.id, name: 'k' }))).json()) as {
      accessKey: string;
      secretKey: string;
    };

    // Data access: past the unauthenticated limit only with a right key, up to the data-access limit.
    const credentials = `access_key=${encodeURIComponent(key.accessKey)}&secret_key=${encodeURIComponent(key.secretKey)}`;
    const registry = (size: number) => `&registry=${encodeURIComponent(JSON.stringify({ x: 'h'.repeat(size) }))}`;
    expect((await form('/get-studies/v1', credentials + registry(30 * KB))).status).toBe(200);
    expect((await form('/get-studies/v1', credentials + registry(70 * KB))).status).toBe(413);
    const wrong = `access_key=${encodeURIComponent(key.accessKey)}&secret_key=${'A'.repeat(64)}`;
    expect((await form('/get-studies/v1', wrong + registry(30 * KB))).status).toBe(403);
    expect((await form('/get-studies/v1', registry(30 * KB))).status).toBe(413);

    // Phones: an upload naming a known patient id may send up to the upload limit; nothing else more than the small one.
    const phone = (pid: string) => `patient_id=${pid}&password=x&device_id=d`;
    const file = (size: number) =>
      `&file_name=${enrolled.beiwe.patientId}_gps_1700000000000.csv&file=${'A'.repeat(size)}`;
    const known = await form('/upload', phone(enrolled.beiwe.patientId) + file(100 * KB));
    expect(known.status).toBe(200);
    expect((await form('/upload', phone(enrolled.beiwe.patientId) + file(300 * KB))).status).toBe(413);
    expect((await form('/upload', phone('zzzzzzzz') + file(100 * KB))).status).toBe(403);
    expect((await form('/upload/ios/', phone('zzzzzzzz') + file(100 * KB))).status).toBe(401);
    expect((await form('/upload', file(100 * KB))).status).toBe(413);
    const big = `&message=${'m'.repeat(10 * KB)}`;
    expect((await form('/mobile-heartbeat', phone(enrolled.beiwe.patientId) + big)).status).toBe(413);
    expect((await form('/mobile-heartbeat', phone(enrolled.beiwe.patientId))).status).toBe(200);
  });
});
