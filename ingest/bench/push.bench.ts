/**
 * Survey pushes for 10,000 participants due in the same minute (issue 17) — `npm run bench`.
 *
 * A real ingest process (every role, as `npm start` runs it) on a throwaway database, its Firebase
 * the simulator in a process of its own, reached over real HTTP (OAuth token and FCM v1 sends).
 * 10,000 participants with a registered Android phone and an FCM token each have a survey push due
 * at the same minute; the ingest's own `push-send` tick sends them. Meanwhile 20 emulated phones
 * upload ~100 kB accelerometer files in a closed loop. Prints the time from the due minute to the
 * last push Firebase accepted, sends/s, whether each push went out exactly once, and the upload
 * acknowledgement p50/p95/p99 before and while the pushes go out (the load average too: on a
 * shared machine other work moves every figure).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createDb, dropDatabase } from '../src/db.ts';
import { dbEnv, startIngest, waitReady } from '../src/test/ingest-process.ts';
import { encryptKeyLine, encryptTextFile, newAesKey } from '../src/test/phone-emulator/encrypt.ts';
import { createPhone } from '../src/test/phone-emulator/phone.ts';
import { testDbConfig } from '../src/test/test-db.ts';
import { cpuSeconds } from './proc-cpu.ts';

const PARTICIPANTS = 10_000;
const PHONES = 20;
const LINES = 800; // ~100 kB encrypted
const DISTINCT_BODIES = 16;
const BASELINE_MS = 15_000;

const AES_KEY = newAesKey('android');
const START = Date.now() - 30 * 86_400_000;
const bodies = new Map<number, Buffer>();

/** An accelerometer file: one of a few encrypted bodies behind the phone's own key line, under a fresh name. */
function accelerometerFile(publicKey: Parameters<typeof encryptTextFile>[1], index: number): Buffer {
  const which = index % DISTINCT_BODIES;
  let body = bodies.get(which);
  if (!body) {
    const lines = ['timestamp,accuracy,x,y,z'];
    for (let i = 0; i < LINES; i++) {
      const v = (k: number) => (Math.sin(which + i * 0.1 + k) * 9.81).toFixed(16);
      lines.push(`${START + which * 900_000 + i * 100},3,${v(0)},${v(1)},${v(2)}`);
    }
    const whole = encryptTextFile(lines, publicKey, { aesKey: AES_KEY });
    body = whole.subarray(whole.indexOf(0x0a) + 1);
    bodies.set(which, body);
  }
  return Buffer.concat([Buffer.from(`${encryptKeyLine(AES_KEY, publicKey)}\n`), body]);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type SimStats = { accepted: number; attempts: number; firstAt: number | null; lastAt: number | null };

/** The Firebase simulator's process: its URL and service account, and its counts on demand. */
async function startFirebase() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/firebase-process.ts'], {
    cwd: join(import.meta.dirname, '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = (await lines.next()) as IteratorResult<string>;
    if (line.done) throw new Error('the Firebase simulator process ended');
    return JSON.parse(line.value) as unknown;
  };
  const { url, account } = (await next()) as { url: string; account: Record<string, string> };
  return {
    url,
    account,
    async stats(): Promise<SimStats> {
      child.stdin.write('stats\n');
      return (await next()) as SimStats;
    },
    async stop() {
      child.stdin.end();
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function main() {
  const dbConfig = testDbConfig('vigil_bench_push');
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-bench-push-'));
  const firebase = await startFirebase();
  const ingest = await startIngest({
    ...dbEnv(dbConfig, dataDir),
    VIGIL_LOG_LEVEL: 'warn',
    VIGIL_DB_POOL_MAX: '20',
    VIGIL_ROLES: 'web,worker,scheduler',
    VIGIL_FCM_BASE_URL: firebase.url,
    VIGIL_GOOGLE_OAUTH_BASE_URL: firebase.url,
  });
  const db = createDb(dbConfig);
  try {
    // Migrating a fresh database on a busy shared machine can take longer than the default half minute.
    await waitReady(ingest, 180_000);
    const secret = (await readFile(join(dataDir, 'admin-secret'), 'utf8')).trim();
    const admin = {
      'x-vigil-secret': secret,
      'x-grafana-context': '{"Login":"bench","OrgRole":"Admin"}',
      'content-type': 'application/json',
    };
    const call = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${ingest.url}${path}`, { method, headers: admin, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as unknown;
    };
    const study = (await call('POST', '/api/v1/studies', { name: 'Push bench' })) as { id: number };
    await call('PUT', '/api/v1/push/credentials', { serviceAccount: firebase.account });

    process.stdout.write(`enrolling and registering ${PHONES} uploading phones…\n`);
    const phones = await Promise.all(
      Array.from({ length: PHONES }, async (_, n) => {
        const enrolled = (await call('POST', `/api/v1/studies/${study.id}/participants`, { label: `up_${n}` })) as {
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
    for (const p of phones) accelerometerFile(p.publicKey!, 0);

    process.stdout.write(`adding ${PARTICIPANTS} participants with a phone, a token and a survey push…\n`);
    const now = new Date();
    const [surveyId] = await db('surveys').insert({
      study_id: study.id,
      object_id: 'BenchSurvey0000000000000',
      survey_type: 'tracking_survey',
      name: 'Mood',
      content: '[]',
      settings: '{}',
      schedules: JSON.stringify({ weekly: [], absolute: [], relative: [] }),
      version: 1,
      created_at: now,
      updated_at: now,
    });
    // The next minute at least 25 s away: the ingest's push-send tick finds them all due at once.
    const due = new Date(Math.ceil((Date.now() + 25_000) / 60_000) * 60_000);
    for (let from = 0; from < PARTICIPANTS; from += 1000) {
      const n = Math.min(1000, PARTICIPANTS - from);
      const labels = Array.from({ length: n }, (_, i) => `push_${from + i}`);
      await db('participants').insert(
        labels.map((label) => ({ study_id: study.id, label, status: 'active', created_at: now, updated_at: now }))
      );
      const ids = (await db('participants')
        .where({ study_id: study.id })
        .whereIn('label', labels)
        .pluck('id')) as number[];
      await db('beiwe_participants').insert(
        ids.map((id) => ({
          participant_id: id,
          patient_id: `b${id.toString(36).padStart(7, '0')}`,
          password_hash: 'x',
          private_key_sealed: 'x',
          public_key: 'x',
          device_id: `bench-device-${id}`,
          os_type: 'ANDROID',
          // Heard from just now: no wake-up push is planned beside the survey's.
          last_heartbeat_at: now,
          created_at: now,
          updated_at: now,
        }))
      );
      await db('beiwe_fcm_tokens').insert(
        ids.map((id) => ({
          participant_id: id,
          token: `YmVuY2gtdG9rZW4t${id}:APA91b${'b'.repeat(140)}`,
          created_at: now,
        }))
      );
      await db('push_notifications').insert(
        ids.map((id) => ({
          participant_id: id,
          kind: 'survey',
          survey_id: surveyId,
          schedule_type: 'absolute',
          scheduled_for: due,
          time_zone: 'UTC',
          uuid: randomUUID(),
          dedupe_key: `bench:${id}`,
          state: 'scheduled',
          due_at: due,
          next_attempt_at: due,
          platform: 'ANDROID',
          created_at: now,
        }))
      );
    }

    const waitUntil = due.getTime() - BASELINE_MS - Date.now();
    process.stdout.write(`pushes due at ${due.toISOString()}; uploads start in ${Math.round(waitUntil / 1000)} s…\n`);
    await sleep(Math.max(0, waitUntil));

    const uploads: { startedAt: number; ms: number; status: number | string }[] = [];
    let uploading = true;
    let counter = 1;
    const loops = phones.map(async (phone) => {
      while (uploading) {
        const i = counter++;
        const name = `${phone.patientId}_accel_${START + i * 900_000}.csv`;
        const startedAt = Date.now();
        const res = await phone.upload(name, accelerometerFile(phone.publicKey!, i)).catch((err: unknown) => ({
          status: (err as { cause?: { code?: string } }).cause?.code ?? 'error',
          durationMs: Date.now() - startedAt,
        }));
        uploads.push({ startedAt, ms: res.durationMs, status: res.status });
      }
    });

    const cpuBefore = await cpuSeconds(ingest.child.pid!);
    const loadBefore = load();
    const progress = async () =>
      (
        (await db('push_notifications')
          .where('dedupe_key', 'like', 'bench:%')
          .select(db.raw("SUM(state <> 'scheduled') AS done"))) as { done: number | null }[]
      )[0]?.done ?? 0;
    const deadline = due.getTime() + 10 * 60_000;
    while (Number(await progress()) < PARTICIPANTS && Date.now() < deadline) await sleep(200);
    // A few more seconds of uploads after the last push, then stop.
    await sleep(2000);
    uploading = false;
    await Promise.all(loops);
    const cpuUsed = (await cpuSeconds(ingest.child.pid!)) - cpuBefore;
    const loadAfter = load();

    const sim = await firebase.stats();
    const states = (await db('push_notifications')
      .where('dedupe_key', 'like', 'bench:%')
      .groupBy('state')
      .select('state', db.raw('COUNT(*) AS n'))) as { state: string; n: number }[];
    if (sim.firstAt === null || sim.lastAt === null) throw new Error('Firebase accepted no push');
    const sendSpan = (sim.lastAt - sim.firstAt) / 1000;
    const fromDue = (sim.lastAt - due.getTime()) / 1000;

    const window = (from: number, to: number) =>
      uploads
        .filter((u) => u.startedAt >= from && u.startedAt < to && u.status === 200)
        .map((u) => u.ms)
        .sort((a, b) => a - b);
    const before = window(due.getTime() - BASELINE_MS, due.getTime());
    const during = window(sim.firstAt, sim.lastAt);
    const failedUploads = uploads.filter((u) => u.status !== 200).length;
    const figures = (l: number[]) =>
      `${l.length} | ${percentile(l, 50).toFixed(0)} | ${percentile(l, 95).toFixed(0)} | ${percentile(l, 99).toFixed(0)}`;

    console.log(`\nPushes for ${PARTICIPANTS} participants due in the same minute (Firebase simulator over HTTP)`);
    console.log(
      '| pushes | due → last accepted s | first → last accepted s | sends/s | Firebase accepted / requests (goal 10000 / 10000) | rows by state | ingest CPU s |'
    );
    console.log('|---:|---:|---:|---:|---|---|---:|');
    console.log(
      `| ${PARTICIPANTS} | ${fromDue.toFixed(1)} | ${sendSpan.toFixed(1)} | ${(sim.accepted / sendSpan).toFixed(0)} | ` +
        `${sim.accepted} / ${sim.attempts} | ${states.map((s) => `${s.state}×${s.n}`).join(' ')} | ${cpuUsed.toFixed(1)} |`
    );
    console.log(`\nUpload acknowledgement latency, ${PHONES} phones uploading ~100 kB files in a closed loop`);
    console.log('| window | uploads | p50 ms | p95 ms | p99 ms |');
    console.log('|---|---:|---:|---:|---:|');
    console.log(`| ${BASELINE_MS / 1000} s before the pushes are due | ${figures(before)} |`);
    console.log(`| while the pushes go out | ${figures(during)} |`);
    console.log(`\nfailed uploads: ${failedUploads}; load avg 1/5/15 min ${loadBefore} → ${loadAfter}`);
  } catch (err) {
    console.error(ingest.output().slice(-3000));
    throw err;
  } finally {
    await db.destroy();
    ingest.child.kill('SIGTERM');
    await ingest.exited;
    await firebase.stop();
    await dropDatabase(dbConfig).catch((err: unknown) => console.error(`could not drop ${dbConfig.database}:`, err));
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  // A failed bulk insert's message carries its whole statement: its start says enough.
  console.error(String((err as Error).stack ?? err).slice(0, 2000));
  process.exit(1);
});
