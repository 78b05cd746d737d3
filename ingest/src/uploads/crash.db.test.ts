import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, dropDatabase } from '../db.ts';
import { dbEnv, startIngest, waitReady, type IngestProcess } from '../test/ingest-process.ts';
import { createPhone } from '../test/phone-emulator/phone.ts';
import { testDbConfig } from '../test/test-db.ts';

/**
 * The reliability bar: kill the ingest (SIGKILL) while uploads and jobs are in flight and
 * restart it. Every upload that was answered 200 must be in the archive and processed, and none
 * processed twice; the phone re-sends what was not acknowledged, as the apps do.
 */
describe('SIGKILL during uploads and processing', () => {
  const dbConfig = testDbConfig('vigil_crash');
  let dataDir = '';
  const running: IngestProcess[] = [];
  afterAll(async () => {
    for (const p of running) p.child.kill('SIGKILL');
    await dropDatabase(dbConfig);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  // Two real process starts and a restart: allow for a loaded machine.
  it('loses nothing that was acknowledged and processes everything exactly once', { timeout: 120_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-crash-'));
    const env = {
      ...dbEnv(dbConfig, dataDir),
      // A killed worker's job is free again after its lease; short, so the test need not wait minutes.
      VIGIL_JOB_LEASE_SECONDS: '2',
      VIGIL_LOG_LEVEL: 'warn',
    };
    const first = await startIngest(env);
    running.push(first);
    await waitReady(first);

    const secret = (await readFile(join(dataDir, 'admin-secret'), 'utf8')).trim();
    const admin = {
      'x-vigil-secret': secret,
      'x-grafana-context': JSON.stringify({ Login: 'crash-test', OrgRole: 'Admin' }),
      'content-type': 'application/json',
    };
    const study = (await (
      await fetch(`${first.url}/api/v1/studies`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'Crash' }),
      })
    ).json()) as { id: number };
    const enrolled = (await (
      await fetch(`${first.url}/api/v1/studies/${study.id}/participants`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ label: 'crash_1' }),
      })
    ).json()) as { beiwe: { patientId: string; temporaryPassword: string } };

    const phone = createPhone({
      os: 'android',
      serverUrl: first.url,
      patientId: enrolled.beiwe.patientId,
      temporaryPassword: enrolled.beiwe.temporaryPassword,
      seed: 'crash',
    });
    await phone.register();
    const files = phone.generateFiles({ from: new Date(Date.now() - 4 * 3_600_000), hours: 3 });
    const acknowledged = new Set<string>();

    // Four uploads at a time, like a phone on Wi-Fi with a backlog; kill the server part-way.
    const inFlight = 4;
    let next = 0;
    const killAfter = Math.floor(files.length * 0.4);
    let killed = false;
    const uploader = async () => {
      while (next < files.length) {
        const file = files[next++]!;
        const res = await phone.upload(file.fileName, file.bytes).catch(() => undefined);
        if (res?.status === 200) acknowledged.add(file.fileName);
        if (!killed && acknowledged.size >= killAfter) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, uploader));
    expect(await first.exited).toBeNull();
    expect(acknowledged.size).toBeGreaterThanOrEqual(killAfter);
    expect(acknowledged.size).toBeLessThan(files.length);

    // Restart on the same port; the phone re-sends whatever it still holds.
    const second = await startIngest(env, first.port);
    running.push(second);
    await waitReady(second);
    for (const file of files.filter((f) => !acknowledged.has(f.fileName))) {
      const res = await phone.upload(file.fileName, file.bytes);
      expect(res.status).toBe(200);
    }

    const db = createDb(dbConfig);
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const [pending] = (await db('upload_jobs').whereIn('state', ['queued', 'running']).count({ n: '*' })) as {
          n: number;
        }[];
        if (Number(pending?.n) === 0) break;
        if (Date.now() > deadline) throw new Error(`queue not drained\n${second.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const uploads = (await db('uploads')
        .whereNot('stream', 'identifiers')
        .select('id', 'file_name', 'status', 'archive_key', 'sha256')) as {
        id: number;
        file_name: string;
        status: string;
        archive_key: string;
        sha256: Buffer;
      }[];
      // Exactly one stored upload per file, acknowledged or re-sent, and every one processed.
      expect(uploads.map((u) => u.file_name).sort()).toEqual(files.map((f) => f.fileName).sort());
      expect(new Set(uploads.map((u) => u.status))).toEqual(new Set(['processed']));
      const jobs = (await db('upload_jobs').select('upload_id', 'state')) as { upload_id: number; state: string }[];
      expect(jobs.filter((j) => j.state !== 'done')).toEqual([]);
      expect(new Set(jobs.map((j) => j.upload_id)).size).toBe(jobs.length);

      // The archive holds exactly the stored uploads, each as the phone sent it: no object left
      // over from an upload the kill cut short (the re-send wrote the same key). A kill during a
      // write leaves a `.tmp-` file, which no read or listing sees and the age sweep removes
      // (local-store.test.ts); at most one per upload in flight when the kill came.
      const onDisk = (await readdir(join(dataDir, 'archive'), { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(join(dataDir, 'archive').length + 1));
      const isTemp = (path: string) => basename(path).startsWith('.tmp-');
      expect(onDisk.filter(isTemp).length).toBeLessThanOrEqual(inFlight);
      const archived = onDisk.filter((path) => !isTemp(path));
      const keys = (await db('uploads').pluck('archive_key')) as string[];
      expect(archived.sort()).toEqual(keys.sort());
      const sent = new Map(files.map((f) => [f.fileName, createHash('sha256').update(f.bytes).digest('hex')]));
      for (const u of uploads) expect(u.sha256.toString('hex'), u.file_name).toBe(sent.get(u.file_name));
    } finally {
      await db.destroy();
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
