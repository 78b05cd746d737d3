import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createApp } from '../app.ts';
import type { AppDeps } from '../app-env.ts';
import { createS3ArchiveStore } from '../archive/s3-store.ts';
import type { ArchiveStore } from '../archive/store.ts';
import { ensureDayPartitions } from '../streams/partitions.ts';
import { createStreamProcessor } from '../streams/processor.ts';
import { currentDeviceSettings } from '../study-config/device-settings-store.ts';
import { asAdmin, testDeps, testFromNow as test } from '../test/fixtures.ts';
import { encryptTextFile } from '../test/phone-emulator/encrypt.ts';
import { enrolledPhone } from '../test/enrolled-phone.ts';
import { startS3Server, type S3Server } from '../test/s3-server/server.ts';
import { processNextJob } from './worker.ts';

const DAY = 86_400_000;

let s3: S3Server;
let store: ArchiveStore;

beforeAll(async () => {
  s3 = await startS3Server();
  store = createS3ArchiveStore(s3.client(), { bucket: s3.config().bucket, prefix: 'vigil' });
}, 30_000);

afterAll(async () => {
  await s3?.stop();
});

/** Every object s3rver keeps on its disk, with its bytes: what the bucket holds at rest. */
async function bytesAtRest(): Promise<Buffer[]> {
  const entries = await readdir(s3.directory, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((e) => e.isFile() && e.name.endsWith('._S3rver_object'))
      .map((e) => readFile(join(e.parentPath, e.name)))
  );
}

async function registeredPhone(deps: AppDeps) {
  const app = createApp(deps);
  const { phone, participant, studyId } = await enrolledPhone(app, { label: `s3_${randomBytes(3).toString('hex')}` });
  await phone.register();
  let n = 0;
  const accelFile = () => {
    const start = Date.now() - 3_600_000 + n++ * 60_000;
    const lines = [
      'timestamp,accuracy,x,y,z',
      ...Array.from({ length: 50 }, (_, i) => `${start + i * 100},3,0.1,0.2,${i}`),
    ];
    return { name: `${phone.patientId}_accel_${start}.csv`, bytes: encryptTextFile(lines, phone.publicKey!), lines };
  };
  return { app, phone, studyId, participantId: participant.id, accelFile };
}

const uploadsOf = (db: Knex, participantId: number) =>
  db('uploads').where({ participant_id: participantId }).whereNot('stream', 'identifiers').orderBy('id') as Promise<
    { id: number; status: string; archive_key: string; rows_stored: number | null }[]
  >;

async function drain(deps: AppDeps) {
  const processor = createStreamProcessor({ clock: deps.clock, settingsFor: currentDeviceSettings });
  for (let taken = 1; taken > 0;) taken = await processNextJob({ ...deps, processors: [processor] }, 's3-test-worker');
}

describe('the raw archive in an S3 bucket (s3rver over HTTP), through the real upload path', () => {
  test('an upload is acknowledged once its sealed object is in the bucket; a re-send is stored once', async ({
    db,
    clock,
    vault,
  }) => {
    const deps = testDeps({ db, clock, vault, archiveStore: store });
    const { phone, studyId, participantId, accelFile } = await registeredPhone(deps);
    const file = accelFile();
    expect((await phone.upload(file.name, file.bytes)).status).toBe(200);
    const [row] = await uploadsOf(db, participantId);
    expect(row?.status).toBe('queued');
    expect(row!.archive_key).toMatch(new RegExp(`^study-${studyId}/${phone.patientId}/accel/`));
    expect(await store.exists(row!.archive_key)).toBe(true);
    expect((await deps.archive.get(studyId, row!.archive_key)).equals(file.bytes)).toBe(true);

    // At rest the object is sealed: not the bytes the phone sent, nor any slice of them.
    const sealed = await store.get(row!.archive_key);
    expect(sealed.subarray(0, 4).toString()).toBe('VGAR');
    const slice = file.bytes.subarray(100, 164);
    for (const object of await bytesAtRest()) expect(object.includes(slice)).toBe(false);

    expect((await phone.upload(file.name, file.bytes)).status).toBe(200);
    expect(await uploadsOf(db, participantId)).toHaveLength(1);
    expect(
      (await store.list(`study-${studyId}/${phone.patientId}`)).filter((k) => !k.includes('/identifiers/'))
    ).toEqual([row!.archive_key]);
  });

  test('the worker processes from the bucket, and a requeued upload is processed again from it', async ({
    db,
    clock,
    vault,
  }) => {
    await ensureDayPartitions(db, new Date(Date.now() - DAY));
    await ensureDayPartitions(db, new Date());
    const deps = testDeps({ db, clock, vault, archiveStore: store });
    const { app, phone, participantId, accelFile } = await registeredPhone(deps);
    const file = accelFile();
    expect((await phone.upload(file.name, file.bytes)).status).toBe(200);
    await drain(deps);
    const [processed] = await uploadsOf(db, participantId);
    expect([processed?.status, processed?.rows_stored]).toEqual(['processed', 50]);
    const stored = async () =>
      Number(
        ((await db('accelerometer').where({ participant_id: participantId }).count({ n: '*' })) as { n: number }[])[0]
          ?.n
      );
    expect(await stored()).toBe(50);

    const requeue = await app.request(`/api/v1/uploads/${processed!.id}/requeue`, { method: 'POST', headers: asAdmin });
    expect(requeue.status).toBe(200);
    await drain(deps);
    expect((await uploadsOf(db, participantId)).map((u) => u.status)).toEqual(['processed']);
    expect(await stored()).toBe(50);
  });

  test('with the bucket down an upload gets a retryable 503 and no row; once it is back the retry is stored', async ({
    db,
    clock,
    vault,
  }) => {
    const deps = testDeps({ db, clock, vault, archiveStore: store });
    const { app, phone, participantId, accelFile } = await registeredPhone(deps);
    const file = accelFile();
    s3.proxy.kill();
    try {
      const failed = await phone.upload(file.name, file.bytes);
      expect(failed.status).toBe(503);
      expect(await uploadsOf(db, participantId)).toHaveLength(0);
      const ready = await app.request('/readyz');
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { reasons: string[] }).reasons.join()).toMatch(
        /archive unhealthy: archive bucket/
      );
    } finally {
      s3.proxy.restore();
    }
    expect((await app.request('/readyz')).status).toBe(200);
    expect((await phone.upload(file.name, file.bytes)).status).toBe(200);
    const rows = await uploadsOf(db, participantId);
    expect(rows.map((u) => u.status)).toEqual(['queued']);
    expect(await store.exists(rows[0]!.archive_key)).toBe(true);
  });

  test('purging a participant past the retention window deletes their objects from the bucket', async ({
    db,
    clock,
    vault,
  }) => {
    const deps = testDeps({ db, clock, vault, archiveStore: store });
    const { app, phone, studyId, participantId, accelFile } = await registeredPhone(deps);
    for (let i = 0; i < 3; i++) {
      const file = accelFile();
      expect((await phone.upload(file.name, file.bytes)).status).toBe(200);
    }
    const folder = `study-${studyId}/${phone.patientId}`;
    const keys = (await uploadsOf(db, participantId)).map((u) => u.archive_key);
    expect(keys).toHaveLength(3);
    expect((await store.list(folder)).length).toBeGreaterThanOrEqual(3);

    await db('participants')
      .where({ id: participantId })
      .update({ deleted_at: new Date(clock().getTime() - (deps.config.retention.days + 1) * DAY) });
    const purge = await app.request('/api/v1/purge', { method: 'POST', headers: asAdmin });
    expect(purge.status).toBe(200);
    expect(await store.list(folder)).toEqual([]);
    for (const key of keys) expect(await store.exists(key)).toBe(false);
    expect(await db('uploads').where({ participant_id: participantId })).toHaveLength(0);
  });

  test("purging a study past the retention window deletes its objects from the bucket, and no other study's", async ({
    db,
    clock,
    vault,
  }) => {
    const deps = testDeps({ db, clock, vault, archiveStore: store });
    const gone = await registeredPhone(deps);
    const kept = await registeredPhone(deps);
    for (const who of [gone, kept]) {
      for (let i = 0; i < 2; i++) {
        const file = who.accelFile();
        expect((await who.phone.upload(file.name, file.bytes)).status).toBe(200);
      }
    }
    const keysOf = async (who: typeof gone) => (await uploadsOf(db, who.participantId)).map((u) => u.archive_key);
    const goneKeys = await keysOf(gone);
    const keptKeys = await keysOf(kept);
    expect([goneKeys.length, keptKeys.length]).toEqual([2, 2]);
    // The registration's identifiers record is an object of the study too.
    expect((await store.list(`study-${gone.studyId}`)).length).toBeGreaterThanOrEqual(3);

    await db('studies')
      .where({ id: gone.studyId })
      .update({ deleted_at: new Date(clock().getTime() - (deps.config.retention.days + 1) * DAY) });
    const purge = await gone.app.request('/api/v1/purge', { method: 'POST', headers: asAdmin });
    expect(purge.status).toBe(200);
    expect(await store.list(`study-${gone.studyId}`)).toEqual([]);
    for (const key of goneKeys) expect(await store.exists(key)).toBe(false);
    expect(await db('uploads').where({ participant_id: gone.participantId })).toHaveLength(0);
    for (const key of keptKeys) expect(await store.exists(key)).toBe(true);
  });
});
