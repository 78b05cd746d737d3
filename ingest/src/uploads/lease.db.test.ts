import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { findPhone } from '../beiwe/mobile/phone-store.ts';
import { createDb } from '../db.ts';
import { asAdmin, createTestClock, testDeps, testVault } from '../test/fixtures.ts';
import { encryptTextFile } from '../test/phone-emulator/encrypt.ts';
import { startTcpProxy } from '../test/tcp-proxy.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { store } from './receive.ts';
import { startUploadWorkers, type UploadProcessor } from './worker.ts';

describe('a worker that loses the database mid-batch', () => {
  it('releases its jobs once the database is back, long before their lease runs out', async () => {
    // Its own queue (no other file's jobs), reached through a proxy that can drop the database.
    const own = await createOwnDatabase('vigil_lease');
    const proxy = await startTcpProxy({ host: own.config.host, port: own.config.port });
    const db = createDb({ ...own.config, port: proxy.port });
    const archiveDir = await mkdtemp(join(tmpdir(), 'vigil-lease-'));
    onTestFinished(async () => {
      await db.destroy();
      await proxy.close();
      await own.drop();
      await rm(archiveDir, { recursive: true, force: true });
    });
    // A frozen clock: a lease (300 s) never runs out here, so only a release can free the job.
    const clock = createTestClock(new Date());
    const deps = testDeps({ db, clock, vault: testVault(), archiveStore: createLocalArchiveStore(archiveDir) });
    expect(deps.config.worker.leaseMs).toBe(300_000);
    const app = createApp(deps);

    const study = (await (
      await app.request('/api/v1/studies', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ name: 'Lease' }),
      })
    ).json()) as { id: number };
    const enrolled = (await (
      await app.request(`/api/v1/studies/${study.id}/participants`, {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ label: 'L-1' }),
      })
    ).json()) as { beiwe: { patientId: string } };
    const phone = (await findPhone(db, enrolled.beiwe.patientId))!;
    const t = clock().getTime() - 3_600_000;
    await store(
      deps,
      phone,
      encryptTextFile(['timestamp,accuracy,x,y,z', `${t},unknown,0.1,0.2,0.3`], phone.publicKey),
      {
        fileName: `${phone.patientId}_accel_${t}.csv`,
        stream: 'accelerometer',
        fileTime: clock(),
        osType: 'ANDROID',
        encrypted: true,
        status: 'queued',
        error: undefined,
        archivePath: `${phone.patientId}/accel/${t}`,
      },
      clock(),
      { participantId: phone.participantId, at: clock(), newDeviceId: null, history: null }
    );

    // The database dies while the batch is being written: neither its result nor its failure is recorded.
    let calls = 0;
    const killing: UploadProcessor = () => {
      calls += 1;
      if (calls === 1) proxy.kill();
      return Promise.resolve();
    };
    const workers = startUploadWorkers(
      { ...deps, processors: [killing], config: { worker: { ...deps.config.worker, concurrency: 1 } } },
      100
    );
    onTestFinished(() => workers.stop());
    while (calls === 0) await sleep(20);
    await sleep(500);
    const during = (await own.db('upload_jobs').first('state', 'locked_by')) as { state: string };
    expect(during).toMatchObject({ state: 'running' });

    proxy.restore();
    const deadline = Date.now() + 15_000;
    let job: { state: string; attempts?: number } = during;
    while (job.state !== 'done' && Date.now() < deadline) {
      await sleep(100);
      job = (await own.db('upload_jobs').first('state', 'attempts')) as typeof job;
    }
    expect(job).toEqual({ state: 'done', attempts: 2 });
    expect(calls).toBe(2);
  });
});
