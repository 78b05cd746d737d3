/**
 * Upload acknowledgement latency (issues: Beiwe phones, 20) — `npm run bench`.
 *
 * Real ingest processes (as `npm start` runs them) on a throwaway database; the queue is first
 * loaded with uploads so processing is busy, then 50 emulated Android phones post ~1 MB
 * accelerometer files at once, each several in a row (a closed loop: 50 uploads always in flight).
 * Prints p50/p95/p99 of the time from sending a request to its 200, ack throughput in MB/s, client
 * errors (goal 0), how busy the queue was, the ingest processes' CPU-seconds over the timed phase,
 * and the machine's load average (other work on a shared machine moves every figure).
 *
 * Variants (`--variants=a,b`, default all): `local` and `s3` run one process
 * with every role (processing in the process that acknowledges), the archive in a local folder or
 * in an S3 bucket (s3rver, a child process on the same machine); `local-split` and `s3-split` run a
 * web process and a worker process. `--profile=DIR` writes a V8 CPU profile of each ingest
 * process there (`node --cpu-prof`).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, dropDatabase } from '../src/db.ts';
import { dbEnv, startIngest, waitReady, type IngestProcess } from '../src/test/ingest-process.ts';
import { encryptKeyLine, encryptTextFile, newAesKey } from '../src/test/phone-emulator/encrypt.ts';
import { createPhone } from '../src/test/phone-emulator/phone.ts';
import { startS3Server, type S3Server } from '../src/test/s3-server/server.ts';
import { testDbConfig } from '../src/test/test-db.ts';
import { cpuSeconds } from './proc-cpu.ts';

const PHONES = 50;
const FILES_PER_PHONE = 6;
const PRELOAD_FILES = 150;
const LINES_PER_MB = 7900; // ~131 encrypted bytes per accelerometer line

const VARIANTS = ['local', 's3', 'local-split', 's3-split'] as const;
type Variant = (typeof VARIANTS)[number];

const AES_KEY = newAesKey('android');
const START = Date.now() - 6 * 3_600_000;
const encryptedLines = new Map<number, Buffer>();

/**
 * The `index`-th quarter-hour's file of a phone. Its encrypted lines depend only on the index (one
 * AES key for the run), so each is encrypted once for every phone and variant; a phone's copy has
 * its own key line, which is what the server decrypts while the phone waits.
 */
function accelerometerFile(publicKey: Parameters<typeof encryptTextFile>[1], index: number): Buffer {
  let body = encryptedLines.get(index);
  if (!body) {
    const lines = ['timestamp,accuracy,x,y,z'];
    const start = START + index * 900_000;
    for (let i = 0; i < LINES_PER_MB; i++) {
      const v = (k: number) => (Math.sin(index + i * 0.1 + k) * 9.81).toFixed(16);
      lines.push(`${start + i * 100},3,${v(0)},${v(1)},${v(2)}`);
    }
    const whole = encryptTextFile(lines, publicKey, { aesKey: AES_KEY });
    body = whole.subarray(whole.indexOf(0x0a) + 1);
    encryptedLines.set(index, body);
  }
  return Buffer.concat([Buffer.from(`${encryptKeyLine(AES_KEY, publicKey)}\n`), body]);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function measure(variant: Variant, profileDir: string | undefined): Promise<string> {
  const dbConfig = testDbConfig('vigil_bench');
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-bench-'));
  const s3: S3Server | undefined = variant.startsWith('s3') ? await startS3Server() : undefined;
  const bucket = s3?.config({ prefix: 'bench', requestTimeoutMs: 30_000 });
  const env: Record<string, string> = {
    ...dbEnv(dbConfig, dataDir),
    VIGIL_LOG_LEVEL: 'warn',
    VIGIL_DB_POOL_MAX: '20',
    ...(s3 && bucket
      ? {
          VIGIL_ARCHIVE_S3_BUCKET: bucket.bucket,
          VIGIL_ARCHIVE_S3_PREFIX: bucket.prefix,
          VIGIL_ARCHIVE_S3_ENDPOINT: s3.endpoint,
          VIGIL_ARCHIVE_S3_ACCESS_KEY_ID: bucket.credentials!.accessKeyId,
          VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY: bucket.credentials!.secretAccessKey,
          VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
          VIGIL_ARCHIVE_S3_REQUEST_TIMEOUT_MS: String(bucket.requestTimeoutMs),
        }
      : {}),
  };
  const split = variant.endsWith('-split');
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const ingest = await startIngest(
    { ...env, VIGIL_ROLES: split ? 'web' : 'web,worker,scheduler' },
    undefined,
    nodeArgs
  );
  const processes: IngestProcess[] = [ingest];
  const db = createDb(dbConfig);
  try {
    await waitReady(ingest);
    if (split) processes.push(await startIngest({ ...env, VIGIL_ROLES: 'worker,scheduler' }, undefined, nodeArgs));
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

    process.stdout.write(`${variant}: enrolling and registering ${PHONES} phones…\n`);
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
    const fileFor = (p: (typeof phones)[number], i: number) => ({
      name: `${p.patientId}_accel_${START + i * 900_000}.csv`,
      bytes: accelerometerFile(p.publicKey!, i),
    });

    // Every file is made before anything is sent: making them holds this process's event loop, during
    // which the server may close idle sockets the phones' fetch would then reuse (EPIPE / ECONNRESET
    // of the bench's own making, not the server's).
    process.stdout.write(`encrypting ${PRELOAD_FILES + PHONES * FILES_PER_PHONE} files…\n`);
    // Each phone's preloaded files are the quarter-hours after the ones it sends while measured.
    const preload = Array.from({ length: PRELOAD_FILES }, (_, i) =>
      fileFor(phones[i % PHONES]!, FILES_PER_PHONE + Math.floor(i / PHONES))
    );
    const files = phones.map((p) => Array.from({ length: FILES_PER_PHONE }, (_, i) => fileFor(p, i)));

    process.stdout.write(`preloading the queue with ${PRELOAD_FILES} files…\n`);
    // The first upload after encrypting may go out on a socket the server closed meanwhile (EPIPE): a
    // phone sends it again, and so does this.
    for (const [i, f] of preload.entries()) {
      const phone = phones[i % PHONES]!;
      await phone.upload(f.name, f.bytes).catch(() => phone.upload(f.name, f.bytes));
    }
    const queued = async () =>
      Number(
        ((await db('upload_jobs').whereIn('state', ['queued', 'running']).count({ n: '*' })) as { n: number }[])[0]?.n
      );
    const backlogBefore = await queued();

    process.stdout.write(`measuring: ${PHONES} phones × ${FILES_PER_PHONE} uploads of ~1 MB, concurrently…\n`);
    const latencies: number[] = [];
    const statuses = new Map<number | string, number>();
    const cpu = async () => Promise.all(processes.map((p) => cpuSeconds(p.child.pid!)));
    const cpuBefore = await cpu();
    const loadBefore = load();
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
    const cpuUsed = (await cpu()).map((c, i) => (c - cpuBefore[i]!).toFixed(1)).join(' + ');
    const loadAfter = load();
    const clientErrors = [...statuses].filter(([s]) => typeof s === 'string').reduce((a, [, n]) => a + n, 0);
    const backlogAfter = await queued();
    latencies.sort((a, b) => a - b);
    const mb = files.flat().reduce((a, f) => a + f.bytes.length, 0) / 1e6;

    const row =
      `| ${variant} | ${latencies.length} | ${mb.toFixed(0)} | ${wall.toFixed(1)} | ${(mb / wall).toFixed(1)} | ${cpuUsed} | ` +
      `${percentile(latencies, 50).toFixed(0)} | ${percentile(latencies, 95).toFixed(0)} | ${percentile(latencies, 99).toFixed(0)} | ` +
      `${latencies.at(-1)!.toFixed(0)} | ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')} | ${clientErrors} | ` +
      `${backlogBefore} → ${backlogAfter} | ${loadBefore} → ${loadAfter} |`;
    process.stdout.write(`${row}\n`);
    return row;
  } catch (err) {
    for (const p of processes) console.error(p.output().slice(-3000));
    throw err;
  } finally {
    await db.destroy();
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await s3?.stop();
    // A busy shared server may not drop the database in time; the figures stand, the next run uses another.
    await dropDatabase(dbConfig).catch((err: unknown) => console.error(`could not drop ${dbConfig.database}:`, err));
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const asked = (option('variants') ?? VARIANTS.join(',')).split(',');
  const unknown = asked.filter((v) => !(VARIANTS as readonly string[]).includes(v));
  if (unknown.length > 0) throw new Error(`--variants: unknown ${unknown.join(', ')}; expected ${VARIANTS.join(', ')}`);
  const rows: string[] = [];
  for (const variant of asked as Variant[]) rows.push(await measure(variant, option('profile')));
  console.log(
    `\nUpload acknowledgement latency, ${PHONES} phones × ${FILES_PER_PHONE} uploads of ~1 MB, processing busy (real HTTP)`
  );
  console.log(
    '| variant | uploads | MB | wall s | ack MB/s | ingest CPU s (web + worker) | p50 ms | p95 ms | p99 ms | max ms | statuses | client errors (goal 0) | queue before → after | load avg 1/5/15 min before → after |'
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|');
  for (const row of rows) console.log(row);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
