import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3ArchiveStore } from './archive/s3-store.ts';
import { createDb, dropDatabase } from './db.ts';
import { createPhone, type GeneratedFile } from './test/phone-emulator/phone.ts';
import { dbEnv, startIngest, waitReady, type IngestProcess } from './test/ingest-process.ts';
import { startS3Server, type S3Server } from './test/s3-server/server.ts';
import { testDbConfig } from './test/test-db.ts';

const PHONES = 4;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: not after ${timeoutMs} ms`);
}

const processedBy = async (p: IngestProcess) => {
  const text = await (await fetch(p.metricsUrl)).text();
  return [...text.matchAll(/^vigil_uploads_processed_total\{[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
};

describe('web and worker roles in separate processes', () => {
  const db = testDbConfig('vigil_roles');
  const started: IngestProcess[] = [];
  let dataDir = '';
  let s3: S3Server | undefined;
  afterAll(async () => {
    for (const p of started) p.child.kill('SIGKILL');
    await s3?.stop();
    await dropDatabase(db);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('two web and two worker processes on one database and one bucket lose and duplicate nothing', async () => {
    // Each process has its own data folder (its admin secret aside): the archive they share is the bucket.
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-roles-'));
    s3 = await startS3Server();
    const bucket = s3.config({ prefix: 'roles' });
    const env = {
      ...dbEnv(db, dataDir),
      VIGIL_ARCHIVE_S3_BUCKET: bucket.bucket,
      VIGIL_ARCHIVE_S3_PREFIX: bucket.prefix,
      VIGIL_ARCHIVE_S3_ENDPOINT: s3.endpoint,
      VIGIL_ARCHIVE_S3_ACCESS_KEY_ID: bucket.credentials!.accessKeyId,
      VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY: bucket.credentials!.secretAccessKey,
      VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
    };
    const webs = await Promise.all([
      startIngest({ ...env, VIGIL_ROLES: 'web' }),
      startIngest({ ...env, VIGIL_ROLES: 'web' }),
    ]);
    started.push(...webs);
    // Two processes migrating one database at once, on a shared 2-core machine, may take a while.
    await Promise.all(webs.map((p) => waitReady(p, 90_000)));
    const secret = (await readFile(join(dataDir, 'admin-secret'), 'utf8')).trim();
    const admin = {
      'x-vigil-secret': secret,
      'x-grafana-context': JSON.stringify({ Login: 'ann', OrgRole: 'Admin' }),
      'content-type': 'application/json',
    };

    // Metrics only on their own listener: the public port has no /metrics, with or without the secret.
    for (const web of webs) {
      expect((await fetch(`${web.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${web.url}/metrics`, { headers: admin })).status).toBe(404);
      expect((await fetch(`${web.url}/api/v1/metrics`, { headers: admin })).status).toBe(404);
      expect((await fetch(web.metricsUrl)).status).toBe(200);
    }

    const study = (await (
      await fetch(`${webs[0]!.url}/api/v1/studies`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'Roles' }),
      })
    ).json()) as { id: number };
    const sent: { participantId: number; files: GeneratedFile[] }[] = [];
    for (let i = 0; i < PHONES; i++) {
      const web = webs[i % 2]!;
      const other = webs[(i + 1) % 2]!;
      const enrolled = (await (
        await fetch(`${web.url}/api/v1/studies/${study.id}/participants`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ label: `r-${i}` }),
        })
      ).json()) as { id: number; beiwe: { patientId: string; temporaryPassword: string } };
      const phone = createPhone({
        os: i % 2 === 0 ? 'android' : 'ios',
        serverUrl: web.url,
        patientId: enrolled.beiwe.patientId,
        temporaryPassword: enrolled.beiwe.temporaryPassword,
        seed: `roles-${i}`,
      });
      await phone.register();
      const files = phone.generateFiles({
        from: new Date(Date.now() - 3 * 3_600_000),
        hours: 1,
        streams: ['accelerometer', 'gps'],
      });
      // Alternate webs per file, and send the first file again through the other web (a phone
      // that did not see the first 200): the archive and the queue must keep it once.
      const otherPhone = createPhone({
        os: i % 2 === 0 ? 'android' : 'ios',
        serverUrl: other.url,
        patientId: enrolled.beiwe.patientId,
        temporaryPassword: enrolled.beiwe.temporaryPassword,
        seed: `roles-${i}`,
      });
      for (const [n, f] of files.entries()) {
        expect((await (n % 2 === 0 ? phone : otherPhone).upload(f.fileName, f.bytes)).status).toBe(200);
      }
      expect((await otherPhone.upload(files[0]!.fileName, files[0]!.bytes)).status).toBe(200);
      sent.push({ participantId: enrolled.id, files });
    }

    const knex = createDb(db);
    try {
      const uploads = sent.reduce((a, s) => a + s.files.length, 0) + PHONES; // + each registration's identifiers
      expect(Number(((await knex('uploads').count({ n: '*' })) as { n: number }[])[0]!.n)).toBe(uploads);
      // Web processes acknowledge only: everything is still queued.
      expect(
        Number(((await knex('upload_jobs').where({ state: 'queued' }).count({ n: '*' })) as { n: number }[])[0]!.n)
      ).toBe(uploads);

      const workerEnv = {
        ...env,
        VIGIL_ROLES: 'worker',
        VIGIL_WORKER_BATCH_SIZE: '2',
        VIGIL_WORKER_BATCH_WAIT_MS: '0',
      };
      const workers = await Promise.all([startIngest(workerEnv), startIngest(workerEnv)]);
      started.push(...workers);
      // A worker serves no HTTP: only its metrics listener answers.
      await Promise.all(workers.map((w) => waitFor('worker metrics', async () => (await fetch(w.metricsUrl)).ok)));
      await expect(fetch(`${workers[0]!.url}/readyz`)).rejects.toThrow();

      await waitFor('queue drained', async () => {
        const left = (await knex('upload_jobs').whereNot({ state: 'done' }).count({ n: '*' })) as { n: number }[];
        return Number(left[0]!.n) === 0;
      });
      const jobs = (await knex('upload_jobs').select('upload_id')) as { upload_id: number }[];
      expect(jobs).toHaveLength(uploads);
      expect(new Set(jobs.map((j) => j.upload_id)).size).toBe(uploads);
      expect(await knex('uploads').whereNot({ status: 'processed' }).pluck('status')).toEqual([]);
      // The bucket holds each upload's object once, and nothing else; the local folder holds none.
      const objects = await createS3ArchiveStore(s3.client(), bucket).list(`study-${study.id}`);
      const keys = (await knex('uploads').pluck('archive_key')) as string[];
      expect([...objects].sort()).toEqual([...keys].sort());
      expect(existsSync(join(dataDir, 'archive', `study-${study.id}`))).toBe(false);

      // Each accelerometer sample stored exactly once (the primary key is the sample's time).
      for (const { participantId, files } of sent) {
        const times = new Set(
          files.filter((f) => f.stream === 'accelerometer').flatMap((f) => f.rows.map((r) => r.split(',')[0]))
        );
        const [row] = (await knex('accelerometer').where({ participant_id: participantId }).count({ n: '*' })) as {
          n: number;
        }[];
        expect(Number(row!.n)).toBe(times.size);
      }
      // Both workers took a share, and between them processed each upload once.
      const shares = await Promise.all(workers.map(processedBy));
      expect(shares.every((n) => n > 0)).toBe(true);
      expect(shares[0]! + shares[1]!).toBe(uploads);
    } finally {
      await knex.destroy();
    }

    for (const p of started) p.child.kill('SIGTERM');
    expect(await Promise.all(started.map((p) => p.exited))).toEqual([0, 0, 0, 0]);
  }, 240_000);
});
