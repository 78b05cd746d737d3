import { serve, type ServerType } from '@hono/node-server';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app.ts';
import { createLocalArchiveStore } from '../../archive/local-store.ts';
import { asAdmin, testDeps, testVault } from '../../test/fixtures.ts';
import { createPhone, type GeneratedFile } from '../../test/phone-emulator/phone.ts';
import { createOwnDatabase } from '../../test/test-db.ts';
import { processNextJob, type UploadProcessor } from '../../uploads/worker.ts';

/**
 * Emulated Android 3.6 and iOS 2.5 phones against the real app: register, send every stream of
 * spec §4.2 (audio included), download surveys and settings, heartbeat; then the worker decrypts
 * each upload and the plaintext must be exactly what the phone wrote.
 */
describe('emulated Beiwe phones, end to end', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let archiveDir: string;
  let server: ServerType;
  let baseUrl: string;
  let deps: ReturnType<typeof testDeps>;
  let app: ReturnType<typeof createApp>;
  const decrypted = new Map<string, Buffer>();
  const capture: UploadProcessor = ({ items }) => {
    for (const { upload, plaintext } of items) decrypted.set(upload.fileName, Buffer.from(plaintext));
    return Promise.resolve();
  };

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_phones');
    archiveDir = await mkdtemp(join(tmpdir(), 'vigil-phones-'));
    deps = testDeps({
      db: own.db,
      clock: () => new Date(),
      vault: testVault(),
      archiveStore: createLocalArchiveStore(archiveDir),
    });
    app = createApp(deps);
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
        baseUrl = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  });

  async function enrol(label: string) {
    const study = (await (
      await app.request('/api/v1/studies', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ name: `Phones ${label}` }),
      })
    ).json()) as {
      id: number;
      objectId: string;
    };
    const res = await app.request(`/api/v1/studies/${study.id}/participants`, {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ label }),
    });
    const participant = (await res.json()) as {
      id: number;
      beiwe: { patientId: string; temporaryPassword: string; serverUrl: string };
    };
    return { study, participant };
  }

  async function drainQueue(db: Knex) {
    while (await processNextJob({ ...deps, db, processors: [capture] }, 'test-worker'));
  }

  const expectedPlaintext = (f: GeneratedFile) =>
    f.audio ?? Buffer.from((f.header === null ? f.rows : [f.header, ...f.rows]).join('\n'));

  for (const os of ['android', 'ios'] as const) {
    it(`${os}: registers, uploads every stream, and every upload decrypts to what the phone wrote`, async () => {
      const { study, participant } = await enrol(`${os}_patient`);
      // iOS goes over a real socket with a base URL typed with a trailing slash (→ `//register_user/ios/`).
      const phone = createPhone({
        os,
        serverUrl: os === 'ios' ? `${baseUrl}/` : baseUrl,
        patientId: participant.beiwe.patientId,
        temporaryPassword: participant.beiwe.temporaryPassword,
        seed: os,
        ...(os === 'android' ? { fetch: (input, init) => Promise.resolve(app.request(input as string, init)) } : {}),
      });

      const registration = await phone.register();
      expect(registration.status).toBe(200);
      expect(JSON.parse(registration.body)).toMatchObject({
        study_id: study.objectId,
        study_name: `Phones ${os}_patient`,
        ios_plist: null,
      });
      expect((await phone.heartbeat()).status).toBe(200);
      expect((await phone.setFcmToken('fcm-token-1')).status).toBe(204);
      const surveys = await phone.downloadSurveys();
      expect([surveys.status, JSON.parse(surveys.body)]).toEqual([200, []]);
      expect((await phone.getLatestDeviceSettings()).status).toBe(200);

      const files = phone.generateFiles({ from: new Date(Date.now() - 2 * 3_600_000), hours: 1 });
      const streams = new Set(files.map((f) => f.stream));
      expect(streams.size).toBeGreaterThanOrEqual(os === 'android' ? 10 : 9);
      for (const file of files) {
        const res = await phone.upload(file.fileName, file.bytes);
        expect([file.fileName, res.status, res.body]).toEqual([file.fileName, 200, 'upload successful.']);
      }
      // A phone that timed out re-sends: answered 200, not stored or processed twice.
      const again = await phone.upload(files[0]!.fileName, files[0]!.bytes);
      expect(again.status).toBe(200);

      const uploads = (await own.db('uploads').where({ participant_id: participant.id })) as {
        file_name: string;
        stream: string;
        os_type: string;
      }[];
      expect(uploads.filter((u) => u.stream !== 'identifiers')).toHaveLength(files.length);
      expect(uploads.find((u) => u.stream === 'identifiers')).toBeDefined();
      expect(new Set(uploads.map((u) => u.os_type))).toEqual(new Set([os.toUpperCase()]));

      await drainQueue(own.db);
      for (const file of files) {
        // Compared as base64 text: vitest's deep equality walks a Buffer byte by byte, far too slowly for 600 kB.
        expect(decrypted.get(file.fileName)?.toString('base64'), file.fileName).toBe(
          expectedPlaintext(file).toString('base64')
        );
      }
      const statuses = (await own
        .db('uploads')
        .where({ participant_id: participant.id })
        .distinct()
        .pluck('status')) as string[];
      expect(statuses).toEqual(['processed']);
      const identifiers = [...decrypted.entries()].find(([name]) => name.startsWith(`${phone.patientId}_identifiers_`));
      expect(identifiers?.[1].toString()).toMatch(
        new RegExp(
          `^patient_id,MAC,phone_number,device_id,device_os,os_version,product,brand,hardware_id,manufacturer,model,beiwe_version\\n${phone.patientId},`
        )
      );

      const state = (await own.db('beiwe_participants').where({ participant_id: participant.id }).first()) as Record<
        string,
        unknown
      >;
      expect(state).toMatchObject({ device_id: phone.deviceId, os_type: os.toUpperCase() });
      expect(state.last_upload_at).toBeInstanceOf(Date);
      expect(state.last_heartbeat_at).toBeInstanceOf(Date);
      expect(
        await own
          .db('beiwe_fcm_tokens')
          .where({ participant_id: participant.id })
          .whereNull('unregistered_at')
          .pluck('token')
      ).toEqual(['fcm-token-1']);
      expect(await own.db('beiwe_device_history').where({ participant_id: participant.id }).count({ n: '*' })).toEqual([
        { n: 1 },
      ]);

      // After registration the phone authenticates with its new password; the temporary one is spent.
      const admin = (await (
        await app.request(`/api/v1/participants/${participant.id}`, { headers: asAdmin })
      ).json()) as { beiwe: Record<string, unknown> };
      expect(admin.beiwe).toMatchObject({ patientId: phone.patientId, registered: true, osType: os.toUpperCase() });
    });
  }
});
