import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { findPhone } from '../beiwe/mobile/phone-store.ts';
import { asAdmin, asViewer, createTestClock, testDeps, testVault, withoutSecret } from '../test/fixtures.ts';
import { encryptTextFile } from '../test/phone-emulator/encrypt.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { claimJob, completeJob } from './queue.ts';
import { store } from './receive.ts';
import { processNextJob, startUploadWorkers, type UploadProcessor } from './worker.ts';

/** The queue is shared by every worker that can reach the database, so these tests have a database of their own. */
describe('processing queue and worker', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let archiveDir: string;
  const clock = createTestClock(new Date());
  let deps: ReturnType<typeof testDeps>;
  let app: ReturnType<typeof createApp>;
  const seen: string[] = [];
  const counting: UploadProcessor = ({ items }) => {
    for (const { upload } of items) seen.push(upload.fileName);
    return Promise.resolve();
  };
  const workerDeps = (processors: UploadProcessor[] = [counting]) => ({ ...deps, processors });
  const drain = async (worker = 'w1') => {
    let n = 0;
    for (let taken = 1; taken > 0; n += taken) taken = await processNextJob(workerDeps(), worker);
    return n;
  };

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_queue');
    archiveDir = await mkdtemp(join(tmpdir(), 'vigil-queue-'));
    deps = testDeps({ db: own.db, clock, vault: testVault(), archiveStore: createLocalArchiveStore(archiveDir) });
    app = createApp(deps);
  });
  afterAll(async () => {
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  });

  /** Enrols a participant and stores `count` valid accelerometer uploads through the real receive path. */
  async function uploadsFor(label: string, count: number) {
    const study = (await (
      await app.request('/api/v1/studies', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ name: `Queue ${label}` }),
      })
    ).json()) as { id: number };
    const enrolled = (await (
      await app.request(`/api/v1/studies/${study.id}/participants`, {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ label }),
      })
    ).json()) as {
      id: number;
      beiwe: { patientId: string };
    };
    const phone = (await findPhone(own.db, enrolled.beiwe.patientId))!;
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const fileName = `${phone.patientId}_accel_${clock().getTime() - 3_600_000 + i}.csv`;
      const bytes = encryptTextFile(
        ['timestamp,accuracy,x,y,z', `${clock().getTime()},unknown,0.1,0.2,${i}`],
        phone.publicKey
      );
      await store(
        deps,
        phone,
        bytes,
        {
          fileName,
          stream: 'accelerometer',
          fileTime: clock(),
          osType: 'ANDROID',
          encrypted: true,
          status: 'queued',
          error: undefined,
          archivePath: `${phone.patientId}/accel/${i}`,
        },
        clock(),
        { participantId: phone.participantId, at: clock(), newDeviceId: null, history: null }
      );
      names.push(fileName);
    }
    return { participantId: enrolled.id, studyId: study.id, names };
  }

  it('processes each upload once and records its line counts', async () => {
    const { participantId, names } = await uploadsFor('once', 3);
    seen.length = 0;
    expect(await drain()).toBe(3);
    expect(seen.sort()).toEqual([...names].sort());
    const rows = (await own
      .db('uploads')
      .where({ participant_id: participantId })
      .select('status', 'lines', 'bad_lines')) as unknown[];
    expect(rows).toEqual(Array(3).fill({ status: 'processed', lines: 2, bad_lines: 0 }));
  });

  it('two workers at once never take the same job (SKIP LOCKED)', async () => {
    const { names } = await uploadsFor('parallel', 12);
    seen.length = 0;
    const counts = await Promise.all([drain('wa'), drain('wb'), drain('wc')]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    expect(seen.sort()).toEqual([...names].sort());
  });

  it('retries with backoff, then dead-letters with the last error, marking the upload failed', async () => {
    const { participantId } = await uploadsFor('doomed', 1);
    const failing: UploadProcessor = () => Promise.reject(new Error('disk on fire'));
    const job = () =>
      own
        .db('upload_jobs as j')
        .join('uploads as u', 'u.id', 'j.upload_id')
        .where('u.participant_id', participantId)
        .first('j.*') as Promise<Record<string, unknown>>;
    for (let attempt = 1; attempt <= deps.config.worker.maxAttempts; attempt++) {
      expect(await processNextJob(workerDeps([failing]), 'w1')).toBe(1);
      const state = await job();
      expect(state).toMatchObject({ attempts: attempt, last_error: 'disk on fire' });
      if (attempt < deps.config.worker.maxAttempts) {
        expect(state.state).toBe('queued');
        // Not due again before its backoff.
        expect(await processNextJob(workerDeps([failing]), 'w1')).toBe(0);
        clock.advance(2 * 3_600_000);
      } else {
        expect(state.state).toBe('dead');
      }
    }
    expect(await own.db('uploads').where({ participant_id: participantId }).first('status', 'error')).toEqual({
      status: 'failed',
      error: 'disk on fire',
    });
  });

  it('a batch with one bad upload still processes the others, and only the bad one is retried', async () => {
    const { participantId, names } = await uploadsFor('one_bad', 4);
    const bad = names[2]!;
    const picky: UploadProcessor = ({ items }) => {
      if (items.some((i) => i.upload.fileName === bad)) return Promise.reject(new Error('this one is broken'));
      for (const { upload } of items) seen.push(upload.fileName);
      return Promise.resolve();
    };
    seen.length = 0;
    expect(await processNextJob(workerDeps([picky]), 'w1')).toBe(4);
    expect(seen.sort()).toEqual(names.filter((n) => n !== bad).sort());
    const statuses = (await own
      .db('uploads')
      .where({ participant_id: participantId })
      .orderBy('id')
      .pluck('status')) as string[];
    expect(statuses).toEqual(['processed', 'processed', 'queued', 'processed']);
    const [job] = (await own
      .db('upload_jobs as j')
      .join('uploads as u', 'u.id', 'j.upload_id')
      .where('u.file_name', bad)
      .select('j.state', 'j.last_error')) as { state: string; last_error: string }[];
    expect(job).toEqual({ state: 'queued', last_error: 'this one is broken' });
    clock.advance(2 * 3_600_000);
    expect(await drain()).toBe(1);
  });

  it("a crashed worker's job is taken over when its lease ends, and the slow worker cannot record a second result", async () => {
    await uploadsFor('crashed', 1);
    const claimed = (await claimJob(own.db, 'dies', clock(), deps.config.worker.leaseMs))!;
    expect(await processNextJob(workerDeps(), 'rescuer')).toBe(0);
    clock.advance(deps.config.worker.leaseMs + 1000);
    seen.length = 0;
    expect(await processNextJob(workerDeps(), 'rescuer')).toBe(1);
    expect(seen).toHaveLength(1);
    expect(await completeJob(own.db, claimed, 'dies', clock())).toBe(false);
  });

  it('requeue through the admin API processes an upload again; the queue endpoint reports depth and age', async () => {
    const { participantId, studyId } = await uploadsFor('again', 2);
    await drain();
    const list = await app.request(`/api/v1/participants/${participantId}/uploads?status=processed`, {
      headers: asViewer,
    });
    const { items, total } = (await list.json()) as {
      items: { id: number; stream: string; sha256: string }[];
      total: number;
    };
    expect(total).toBe(2);
    expect(items[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);

    const one = await app.request(`/api/v1/uploads/${items[0]!.id}/requeue`, { method: 'POST', headers: asAdmin });
    expect(one.status).toBe(200);
    const byFilter = await app.request('/api/v1/uploads/requeue', {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ studyId, status: 'processed' }),
    });
    expect(await byFilter.json()).toEqual({ requeued: 1 });

    const queue = (await (await app.request('/api/v1/queue', { headers: asViewer })).json()) as {
      queued: number;
      oldestQueuedAgeSeconds: number | null;
    };
    expect(queue.queued).toBe(2);
    expect(queue.oldestQueuedAgeSeconds).toBeGreaterThanOrEqual(0);
    seen.length = 0;
    expect(await drain()).toBe(2);
    expect((await own.db('audit_log').where({ action: 'upload.requeue' }).count({ n: '*' }))[0]).toEqual({ n: 2 });
  });

  it('upload endpoints: 400 for bad filters, 404 unknown, 403 for a Viewer requeueing, 401 without secret', async () => {
    const { participantId } = await uploadsFor('guarded', 1);
    expect(
      (await app.request(`/api/v1/participants/${participantId}/uploads?status=lost`, { headers: asViewer })).status
    ).toBe(400);
    expect((await app.request('/api/v1/participants/4000000000/uploads', { headers: asViewer })).status).toBe(404);
    expect((await app.request('/api/v1/uploads/4000000000', { headers: asViewer })).status).toBe(404);
    expect(
      (await app.request('/api/v1/uploads/requeue', { method: 'POST', headers: asAdmin, body: JSON.stringify({}) }))
        .status
    ).toBe(400);
    expect(
      (
        await app.request('/api/v1/uploads/requeue', {
          method: 'POST',
          headers: asViewer,
          body: JSON.stringify({ status: 'failed' }),
        })
      ).status
    ).toBe(403);
    expect((await app.request('/api/v1/uploads/1/requeue', { method: 'POST', headers: asViewer })).status).toBe(403);
    expect(
      (await app.request(`/api/v1/participants/${participantId}/uploads`, { headers: withoutSecret })).status
    ).toBe(401);
    expect((await app.request('/api/v1/queue', { headers: withoutSecret })).status).toBe(401);
  });

  it('under a trickle, a worker waits batchWaitMs after a short batch, so what arrives meanwhile is one batch', async () => {
    const ours = new Set<number>();
    const batches: number[] = [];
    const sizing: UploadProcessor = ({ items }) => {
      const mine = items.filter((i) => ours.has(i.upload.participantId)).length;
      if (mine > 0) batches.push(mine);
      return Promise.resolve();
    };
    const workers = startUploadWorkers(
      {
        ...deps,
        processors: [sizing],
        config: { worker: { ...deps.config.worker, concurrency: 1, batchWaitMs: 3000 } },
      },
      20
    );
    const until = async (done: () => boolean) => {
      for (const deadline = Date.now() + 20_000; !done();) {
        if (Date.now() > deadline) throw new Error(`batches so far: ${batches.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      ours.add((await uploadsFor('trickle-first', 1)).participantId);
      await until(() => batches.length === 1);
      // One by one while the worker waits: without the wait, it would take them as they come.
      ours.add((await uploadsFor('trickle-more', 5)).participantId);
      await until(() => batches.reduce((a, b) => a + b, 0) === 6);
      expect(batches).toEqual([1, 5]);
    } finally {
      await workers.stop();
    }
  });
});
