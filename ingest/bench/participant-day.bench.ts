/**
 * CPU-seconds per participant-day over real HTTP (issue #23) — `npm run bench`.
 *
 * A real ingest process (as `npm start` runs it, worker included) on a throwaway database. Each
 * emulated Android phone uploads a day at Beiwe defaults, one file after another as a phone does
 * (files encrypted before the timed phase), and the worker processes them as they arrive. The
 * CPU time the ingest process and mariadbd spent from the first upload until the queue is empty
 * is read from /proc (utime + stime), so the figure is process CPU, not wall time: other work on
 * the machine slows it without adding to it. MariaDB is shared, though (other tests use it): its
 * figure is the CPU of the server threads serving the bench's database (without InnoDB's own
 * background threads: a lower bound), printed beside all of mariadbd's (an upper bound).
 *
 * Options: --participants=N (default 2); --cpu-prof=<folder> runs the ingest with `--cpu-prof`
 * into that folder (summarise with `npx tsx bench/cpu-profile-summary.ts <file>`), which slows it,
 * so a profiled run's figures are not comparable with unprofiled ones; --receive-only runs the
 * ingest without its worker (VIGIL_WORKER_CONCURRENCY=0): the figures are the receive path's
 * alone, and the uploads stay queued; --node-arg=<option>, repeatable, passes a Node option to the
 * ingest (e.g. `--node-arg=--max-semi-space-size=64`, tried in docs/scaling.md).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, dropDatabase } from '../src/db.ts';
import { ensureDayPartitions } from '../src/streams/partitions.ts';
import { startIngest, waitReady } from '../src/test/ingest-process.ts';
import { createPhone } from '../src/test/phone-emulator/phone.ts';
import { testDbConfig } from '../src/test/test-db.ts';
import { cpuSeconds, databaseThreadsCpu, mariadbPid } from './proc-cpu.ts';

const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const PARTICIPANTS = Number(option('participants') ?? 2);
const CPU_PROF = option('cpu-prof');
const RECEIVE_ONLY = process.argv.includes('--receive-only');
/** 2 cores at half load for a day. */
const CPU_SECONDS_PER_DAY_AT_HALF = 2 * 86_400 * 0.5;
async function main() {
  const dbConfig = testDbConfig('vigil_bench_pday');
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-bench-pday-'));
  const ingest = await startIngest(
    {
      VIGIL_DB_HOST: dbConfig.host,
      VIGIL_DB_PORT: String(dbConfig.port),
      VIGIL_DB_USER: dbConfig.user,
      VIGIL_DB_PASSWORD: dbConfig.password,
      VIGIL_DB_NAME: dbConfig.database,
      VIGIL_DATA_DIR: dataDir,
      VIGIL_LOG_LEVEL: 'warn',
      ...(RECEIVE_ONLY ? { VIGIL_WORKER_CONCURRENCY: '0' } : {}),
    },
    undefined,
    [
      ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []),
      ...process.argv.filter((a) => a.startsWith('--node-arg=')).map((a) => a.slice('--node-arg='.length)),
    ]
  );
  const db = createDb(dbConfig);
  try {
    // A fresh database is migrated at start, which can take minutes on a loaded shared machine.
    await waitReady(ingest, 300_000);
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000);
    await ensureDayPartitions(db, day, 3);
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

    process.stdout.write(`registering ${PARTICIPANTS} phones and encrypting a day of files for each…\n`);
    const phones = [];
    for (let n = 0; n < PARTICIPANTS; n++) {
      const enrolled = (await post(`/api/v1/studies/${study.id}/participants`, { label: `day_${n}` })) as {
        beiwe: { patientId: string; temporaryPassword: string };
      };
      const phone = createPhone({
        os: 'android',
        serverUrl: ingest.url,
        patientId: enrolled.beiwe.patientId,
        temporaryPassword: enrolled.beiwe.temporaryPassword,
        seed: `pday-${n}`,
      });
      await phone.register();
      phones.push({ phone, files: phone.generateFiles({ from: day, hours: 24 }) });
    }
    const uploads = phones.reduce((a, p) => a + p.files.length, 0);
    // What one participant-day is made of: the floor in docs/scaling.md is built on these.
    const streams = new Map<string, { uploads: number; bytes: number; rows: number }>();
    for (const f of phones[0]?.files ?? []) {
      const entry = streams.get(f.stream) ?? { uploads: 0, bytes: 0, rows: 0 };
      entry.uploads += 1;
      entry.bytes += f.bytes.length;
      entry.rows += f.rows.length;
      streams.set(f.stream, entry);
    }
    const mb = phones.reduce((a, p) => a + p.files.reduce((b, f) => b + f.bytes.length, 0), 0) / 1e6;
    const pending = async () =>
      Number(
        ((await db('upload_jobs').whereIn('state', ['queued', 'running']).count({ n: '*' })) as { n: number }[])[0]?.n
      );

    process.stdout.write(`measuring: ${uploads} uploads (${mb.toFixed(1)} MB), then until the queue is empty…\n`);
    const mariadb = await mariadbPid();
    const pid = ingest.child.pid!;
    const threads = databaseThreadsCpu(
      async (sql, database) => ((await db.raw(sql, [database])) as [{ TID: number }[]])[0],
      mariadb,
      dbConfig.database
    );
    await threads.sample();
    const sampling = setInterval(() => void threads.sample().catch(() => undefined), 1000);
    const [ingestBefore, dbBefore] = [await cpuSeconds(pid), await cpuSeconds(mariadb)];
    const began = performance.now();
    const failures = new Map<string, number>();
    // The phones upload side by side, each one file after another.
    await Promise.all(
      phones.map(async ({ phone, files }) => {
        for (const f of files) {
          const res = await phone.upload(f.fileName, f.bytes);
          if (res.status !== 200) failures.set(String(res.status), (failures.get(String(res.status)) ?? 0) + 1);
        }
      })
    );
    const uploadedS = (performance.now() - began) / 1000;
    const ingestUploaded = await cpuSeconds(pid);
    while (!RECEIVE_ONLY && (await pending()) > 0) await new Promise((resolve) => setTimeout(resolve, 500));
    const wallS = (performance.now() - began) / 1000;
    clearInterval(sampling);
    await threads.sample();
    const [ingestAfter, dbAfter] = [await cpuSeconds(pid), await cpuSeconds(mariadb)];
    const failed = (await db('uploads')
      .whereNot('status', RECEIVE_ONLY ? 'queued' : 'processed')
      .count({ n: '*' })) as { n: number }[];

    const perDay = (cpu: number) => cpu / PARTICIPANTS;
    const ingestCpu = perDay(ingestAfter - ingestBefore);
    const dbRaw = perDay(dbAfter - dbBefore);
    const dbCpu = perDay(threads.total());
    console.log(
      `\nCPU-seconds per participant-day over real HTTP (${PARTICIPANTS} Android phones, a day each${RECEIVE_ONLY ? '; receive path alone, no worker' : ''})`
    );
    console.log('| figure | value | goal |');
    console.log('|---|---:|---|');
    console.log(`| uploads, MB | ${uploads}, ${mb.toFixed(1)} | |`);
    console.log(
      `| ingest CPU-s per participant-day (receiving alone / total) | ${perDay(ingestUploaded - ingestBefore).toFixed(2)} / ${ingestCpu.toFixed(2)} | |`
    );
    console.log(
      `| MariaDB CPU-s per participant-day: the threads serving the bench's database (lower bound) | ${dbCpu.toFixed(2)} | |`
    );
    console.log(
      `| MariaDB CPU-s per participant-day: all of mariadbd (upper bound: the server is shared) | ${dbRaw.toFixed(2)} | |`
    );
    const perMachine = (cpu: number) => Math.floor(CPU_SECONDS_PER_DAY_AT_HALF / cpu).toLocaleString('en-US');
    console.log(
      `| total CPU-s per participant-day (MariaDB lower / upper bound) | ${(ingestCpu + dbCpu).toFixed(2)} / ${(ingestCpu + dbRaw).toFixed(2)} | ≤ 8.6 |`
    );
    console.log(
      `| participants per 2-core machine at ≤ 50 % CPU (same bounds) | ${perMachine(ingestCpu + dbCpu)} / ${perMachine(ingestCpu + dbRaw)} | ≥ 10,000 |`
    );
    console.log(
      `| wall s: uploads / until processed (shared machine) | ${uploadedS.toFixed(1)} / ${wallS.toFixed(1)} | |`
    );
    console.log(
      `| answers other than 200, uploads not processed | ${[...failures].map(([s, n]) => `${s}×${n}`).join(' ') || 'none'}, ${Number(failed[0]?.n)} | none, 0 |`
    );
    console.log('\nOne participant-day (the first phone) by stream');
    console.log('| stream | uploads | encrypted bytes | encrypted lines (rows) |');
    console.log('|---|---:|---:|---:|');
    for (const [stream, { uploads, bytes, rows }] of [...streams].sort((a, b) => b[1].bytes - a[1].bytes)) {
      console.log(`| ${stream} | ${uploads} | ${bytes.toLocaleString('en-US')} | ${rows.toLocaleString('en-US')} |`);
    }
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
