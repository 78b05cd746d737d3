/**
 * Upload acknowledgement latency (issue: Beiwe phones) — `npm run bench`.
 *
 * A real ingest process (as `npm start` runs it, worker included) on a throwaway database; the
 * queue is first loaded with uploads so the worker is busy, then 50 emulated Android phones post
 * ~1 MB accelerometer files at once, each several in a row. Prints p50/p95/p99 of the time from
 * sending a request to its 200, client errors (goal 0), how busy the queue was, and the ingest
 * process's CPU-seconds over the timed phase (steadier than wall time on a shared machine).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, dropDatabase } from '../src/db.ts';
import { startIngest, waitReady } from '../src/test/ingest-process.ts';
import { encryptTextFile } from '../src/test/phone-emulator/encrypt.ts';
import { createPhone } from '../src/test/phone-emulator/phone.ts';
import { testDbConfig } from '../src/test/test-db.ts';
import { cpuSeconds } from './proc-cpu.ts';

const PHONES = 50;
const FILES_PER_PHONE = 6;
const PRELOAD_FILES = 150;
const LINES_PER_MB = 7900; // ~131 encrypted bytes per accelerometer line

function accelerometerFile(publicKey: Parameters<typeof encryptTextFile>[1], start: number, seed: number): Buffer {
  const lines = ['timestamp,accuracy,x,y,z'];
  for (let i = 0; i < LINES_PER_MB; i++) {
    const v = (k: number) => (Math.sin(seed + i * 0.1 + k) * 9.81).toFixed(16);
    lines.push(`${start + i * 100},3,${v(0)},${v(1)},${v(2)}`);
  }
  return encryptTextFile(lines, publicKey);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main() {
  const dbConfig = testDbConfig('vigil_bench');
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-bench-'));
  const ingest = await startIngest({
    VIGIL_DB_HOST: dbConfig.host,
    VIGIL_DB_PORT: String(dbConfig.port),
    VIGIL_DB_USER: dbConfig.user,
    VIGIL_DB_PASSWORD: dbConfig.password,
    VIGIL_DB_NAME: dbConfig.database,
    VIGIL_DATA_DIR: dataDir,
    VIGIL_LOG_LEVEL: 'warn',
    VIGIL_DB_POOL_MAX: '20',
  });
  const db = createDb(dbConfig);
  try {
    await waitReady(ingest);
    const secret = (await readFile(join(dataDir, 'admin-secret'), 'utf8')).trim();
    const admin = {
      'x-vigil-secret': secret,
      'x-grafana-context': '{"Login":"bench","OrgRole":"Admin"}',
      'content-type': 'application/json',
    };
    const post = async (path: string, body: unknown) =>
      (await (
        await fetch(`${ingest.url}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) })
      ).json()) as unknown;
    const study = (await post('/api/v1/studies', { name: 'Bench' })) as { id: number };

    process.stdout.write(`enrolling and registering ${PHONES} phones…\n`);
    const phones = await Promise.all(
      Array.from({ length: PHONES }, async (_, n) => {
        const enrolled = (await post(`/api/v1/studies/${study.id}/participants`, { label: `bench_${n}` })) as {
          beiwe: { patientId: string; temporaryPassword: string };
        };
        const phone = createPhone({
          os: 'android',
          serverUrl: ingest.url,
          patientId: enrolled.beiwe.patientId,
          temporaryPassword: enrolled.beiwe.temporaryPassword,
          seed: n,
        });
        await phone.register();
        return phone;
      })
    );
    const start = Date.now() - 6 * 3_600_000;
    const fileFor = (p: (typeof phones)[number], i: number) => ({
      name: `${p.patientId}_accel_${start + i * 900_000}.csv`,
      bytes: accelerometerFile(p.publicKey!, start + i * 900_000, i),
    });

    // Every file is encrypted before anything is sent: encrypting holds this process's event loop
    // for seconds, during which the server may close idle sockets the phones' fetch would then reuse
    // (EPIPE / ECONNRESET of the bench's own making, not the server's).
    process.stdout.write(`encrypting ${PRELOAD_FILES + PHONES * FILES_PER_PHONE} files…\n`);
    const preload = Array.from({ length: PRELOAD_FILES }, (_, i) => fileFor(phones[i % PHONES]!, 100 + i));
    const files = phones.map((p) => Array.from({ length: FILES_PER_PHONE }, (_, i) => fileFor(p, i)));

    process.stdout.write(`preloading the queue with ${PRELOAD_FILES} files…\n`);
    for (const [i, f] of preload.entries()) await phones[i % PHONES]!.upload(f.name, f.bytes);
    const queued = async () =>
      Number(
        ((await db('upload_jobs').whereIn('state', ['queued', 'running']).count({ n: '*' })) as { n: number }[])[0]?.n
      );
    const backlogBefore = await queued();

    process.stdout.write(`measuring: ${PHONES} phones × ${FILES_PER_PHONE} uploads of ~1 MB, concurrently…\n`);
    const latencies: number[] = [];
    const statuses = new Map<number | string, number>();
    const cpuBefore = await cpuSeconds(ingest.child.pid!);
    const began = performance.now();
    await Promise.all(
      phones.map(async (phone, n) => {
        for (const f of files[n]!) {
          // A connection error is a failed upload the phone would send again; counted, not hidden.
          const res = await phone.upload(f.name, f.bytes).catch((err: unknown) => {
            const code = (err as { cause?: { code?: string } }).cause?.code ?? 'error';
            statuses.set(code, (statuses.get(code) ?? 0) + 1);
            return undefined;
          });
          if (!res) continue;
          latencies.push(res.durationMs);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      })
    );
    const wall = (performance.now() - began) / 1000;
    const cpu = (await cpuSeconds(ingest.child.pid!)) - cpuBefore;
    const clientErrors = [...statuses].filter(([s]) => typeof s === 'string').reduce((a, [, n]) => a + n, 0);
    const backlogAfter = await queued();
    latencies.sort((a, b) => a - b);
    const mb = files.flat().reduce((a, f) => a + f.bytes.length, 0) / 1e6;

    console.log('\nUpload acknowledgement latency (real HTTP, worker busy)');
    console.log(
      `| uploads | MB | wall s | ingest CPU s | p50 ms | p95 ms | p99 ms | max ms | statuses | client errors (goal 0) | queue before → after |`
    );
    console.log(`|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|`);
    console.log(
      `| ${latencies.length} | ${mb.toFixed(0)} | ${wall.toFixed(1)} | ${cpu.toFixed(1)} | ${percentile(latencies, 50).toFixed(0)} | ${percentile(latencies, 95).toFixed(0)} | ${percentile(latencies, 99).toFixed(0)} | ${latencies.at(-1)!.toFixed(0)} | ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')} | ${clientErrors} | ${backlogBefore} → ${backlogAfter} |`
    );
  } catch (err) {
    console.error(ingest.output().slice(-3000));
    throw err;
  } finally {
    await db.destroy();
    ingest.child.kill('SIGTERM');
    await ingest.exited;
    await dropDatabase(dbConfig);
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
