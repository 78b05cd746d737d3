/**
 * Processing throughput with one and with two worker processes (issue 20) — `npm run bench`.
 *
 * One web process (VIGIL_ROLES=web) on a throwaway database takes a round of uploads (~1 MB
 * Android accelerometer files) with no worker running; then worker processes (VIGIL_ROLES=worker,
 * default concurrency) are started and timed from the moment they serve their metrics (they start
 * processing in the same tick) until the queue is empty. A second round of the same size, from
 * other phones, goes to two workers. Prints rows stored per second of wall time and the workers'
 * CPU-seconds; MariaDB runs on the same machine, so its CPU is shared with the workers.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, dropDatabase } from '../src/db.ts';
import { dbEnv, startIngest, waitReady, type IngestProcess } from '../src/test/ingest-process.ts';
import { encryptTextFile } from '../src/test/phone-emulator/encrypt.ts';
import { createPhone } from '../src/test/phone-emulator/phone.ts';
import { testDbConfig } from '../src/test/test-db.ts';
import { cpuSeconds } from './proc-cpu.ts';

const PHONES_PER_ROUND = 10;
const FILES_PER_PHONE = 8;
const LINES_PER_FILE = 7900; // ~1 MB encrypted

function accelerometerFile(publicKey: Parameters<typeof encryptTextFile>[1], start: number, seed: number): Buffer {
  const lines = ['timestamp,accuracy,x,y,z'];
  for (let i = 0; i < LINES_PER_FILE; i++) {
    const v = (k: number) => (Math.sin(seed + i * 0.1 + k) * 9.81).toFixed(16);
    lines.push(`${start + i * 100},3,${v(0)},${v(1)},${v(2)}`);
  }
  return encryptTextFile(lines, publicKey);
}

async function main() {
  const dbConfig = testDbConfig('vigil_bench_workers');
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-bench-workers-'));
  const env = { ...dbEnv(dbConfig, dataDir), VIGIL_LOG_LEVEL: 'warn' };
  const web = await startIngest({ ...env, VIGIL_ROLES: 'web' });
  const processes: IngestProcess[] = [web];
  const db = createDb(dbConfig);
  try {
    await waitReady(web);
    const secret = (await readFile(join(dataDir, 'admin-secret'), 'utf8')).trim();
    const admin = {
      'x-vigil-secret': secret,
      'x-grafana-context': '{"Login":"bench","OrgRole":"Admin"}',
      'content-type': 'application/json',
    };
    const post = async (path: string, body: unknown) =>
      (await (
        await fetch(`${web.url}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) })
      ).json()) as unknown;
    const study = (await post('/api/v1/studies', { name: 'Bench workers' })) as { id: number };

    const count = async (q: { count(c: { n: string }): Promise<unknown> }) =>
      Number(((await q.count({ n: '*' })) as { n: number }[])[0]?.n ?? 0);
    const rowsStored = async () =>
      Number(((await db('uploads').sum({ n: 'rows_stored' })) as { n: number | null }[])[0]?.n ?? 0);

    const results: { workers: number; uploads: number; rows: number; wall: number; cpu: number }[] = [];
    for (const workers of [1, 2]) {
      process.stdout.write(`round with ${workers} worker process(es): uploading…\n`);
      const start = Date.now() - 6 * 3_600_000;
      for (let n = 0; n < PHONES_PER_ROUND; n++) {
        const enrolled = (await post(`/api/v1/studies/${study.id}/participants`, { label: `w${workers}_${n}` })) as {
          beiwe: { patientId: string; temporaryPassword: string };
        };
        const phone = createPhone({
          os: 'android',
          serverUrl: web.url,
          patientId: enrolled.beiwe.patientId,
          temporaryPassword: enrolled.beiwe.temporaryPassword,
          seed: `${workers}-${n}`,
        });
        await phone.register();
        for (let i = 0; i < FILES_PER_PHONE; i++) {
          const at = start + i * 900_000;
          const res = await phone.upload(
            `${phone.patientId}_accel_${at}.csv`,
            accelerometerFile(phone.publicKey!, at, i)
          );
          if (res.status !== 200) throw new Error(`upload answered ${res.status}`);
        }
      }
      const uploads = await count(db('upload_jobs').where({ state: 'queued' }));
      const rowsBefore = await rowsStored();

      const started = await Promise.all(
        Array.from({ length: workers }, () => startIngest({ ...env, VIGIL_ROLES: 'worker' }))
      );
      processes.push(...started);
      await Promise.all(
        started.map(async (w) => {
          for (;;) {
            if (
              await fetch(w.metricsUrl)
                .then((r) => r.ok)
                .catch(() => false)
            )
              return;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        })
      );
      const cpuBefore = await Promise.all(started.map((w) => cpuSeconds(w.child.pid!)));
      const began = performance.now();
      while ((await count(db('upload_jobs').whereNot({ state: 'done' }))) > 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const wall = (performance.now() - began) / 1000;
      const cpuAfter = await Promise.all(started.map((w) => cpuSeconds(w.child.pid!)));
      const cpu = cpuAfter.reduce((a, c, i) => a + c - cpuBefore[i]!, 0);
      results.push({ workers, uploads, rows: (await rowsStored()) - rowsBefore, wall, cpu });
      for (const w of started) w.child.kill('SIGTERM');
      await Promise.all(started.map((w) => w.exited));
    }

    console.log('\nProcessing throughput by worker processes (accelerometer, ~1 MB uploads)');
    console.log('| worker processes | uploads | rows | wall s | rows/s | workers CPU s |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      console.log(
        `| ${r.workers} | ${r.uploads} | ${r.rows} | ${r.wall.toFixed(1)} | ${Math.round(r.rows / r.wall)} | ${r.cpu.toFixed(1)} |`
      );
    }
  } catch (err) {
    for (const p of processes) console.error(p.output().slice(-2000));
    throw err;
  } finally {
    await db.destroy();
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await dropDatabase(dbConfig);
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
