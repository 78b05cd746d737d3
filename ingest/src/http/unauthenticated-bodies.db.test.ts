import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SECRET } from '../test/app-deps.ts';
import { dbEnv, startIngest, waitReady, type IngestProcess } from '../test/ingest-process.ts';
import { createOwnDatabase } from '../test/test-db.ts';

const MB = 1024 * 1024;
/** What the process may grow by while the bodies below arrive (the issue: "a few MB"; the probe saw +1 GB). */
const GROWTH_BOUND = 30 * MB;

type Sent = { status: number | undefined; sent: number };

/**
 * Sends `head` and then `size` bytes of filler as fast as the server takes them, declared with a
 * Content-Length or chunked; stops sending once an answer arrives (as a client would).
 */
function flood(url: string, head: string, size: number, headers: Record<string, string>, declare: boolean) {
  return new Promise<Sent>((resolve) => {
    const first = Buffer.from(head);
    const chunk = Buffer.alloc(MB, 0x41);
    const req = request(url, {
      method: 'POST',
      headers: { ...headers, ...(declare ? { 'content-length': String(first.length + size) } : {}) },
    });
    let status: number | undefined;
    let sent = 0;
    let stopped = false;
    const finish = () => {
      stopped = true;
      req.destroy();
      resolve({ status, sent });
    };
    req.on('response', (res) => {
      status = res.statusCode;
      stopped = true;
      res.resume();
      res.on('end', finish);
    });
    // The server may close the connection once it has answered and stopped reading.
    req.on('error', finish);
    req.write(first);
    const pump = () => {
      while (!stopped && sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!stopped) req.end();
    };
    pump();
  });
}

async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

describe('large unauthenticated bodies', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let ingest: IngestProcess;
  let dataDir: string;

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_bodies');
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-bodies-'));
    ingest = await startIngest({
      ...dbEnv(own.config, dataDir),
      VIGIL_MASTER_KEY: `k1:${randomBytes(32).toString('base64')}`,
      VIGIL_ADMIN_SECRET: ADMIN_SECRET,
      VIGIL_WORKER_CONCURRENCY: '0',
      VIGIL_LOG_LEVEL: 'warn',
    });
    await waitReady(ingest);
  }, 60_000);

  afterAll(async () => {
    ingest.child.kill('SIGTERM');
    await ingest.exited;
    await own.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`are answered without the process growing by more than ${GROWTH_BOUND / MB} MB`, async () => {
    const pid = ingest.child.pid!;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const multipart = { 'content-type': 'multipart/form-data; boundary=xyz' };
    const android = 'patient_id=unknown1&password=x&device_id=d&file_name=u_gps_1.csv&file=';
    const fileFirst = '--xyz\r\nContent-Disposition: form-data; name="file"; filename="u_gps_1.csv"\r\n\r\n';
    const sends: [string, string, number, Record<string, string>, boolean, number][] = [
      // path, start of body, filler bytes, headers, declared length, expected answer
      ['/get-data/v1', 'registry=', 200 * MB, form, true, 413],
      ['/get-data/v1', 'registry=', 200 * MB, form, false, 413],
      ['/get-data/v1', 'access_key=AAAA&secret_key=BBBB&registry=', 200 * MB, form, false, 403],
      ['/upload', android, 128 * MB, form, false, 403],
      ['/upload', 'file=', 128 * MB, form, false, 413],
      ['/upload/ios/', fileFirst, 128 * MB, multipart, false, 413],
      ['/register_user', 'patient_id=unknown1&new_password=', 128 * MB, form, false, 413],
      ['/api/v1/studies', '{"name":"', 200 * MB, { 'content-type': 'application/json' }, false, 401],
    ];
    // Warm up (code paths, pools, buffers) with small bodies, then measure from a settled process.
    for (const [path, head, , headers, declare] of sends)
      await flood(`${ingest.url}${path}`, head, MB, headers, declare);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await writeFile(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current resident size
    const before = await memoryOf(pid);

    const results = await Promise.all(
      sends.map(([path, head, size, headers, declare]) => flood(`${ingest.url}${path}`, head, size, headers, declare))
    );
    const after = await memoryOf(pid);

    const growth = after.peak - before.rss;
    console.log(
      `resident ${(before.rss / MB).toFixed(1)} MB before, peak ${(after.peak / MB).toFixed(1)} MB while ` +
        `${results.length} large unauthenticated bodies (${(sends.reduce((n, s) => n + s[2], 0) / MB).toFixed(0)} MB offered) ` +
        `arrived at once: growth ${(growth / MB).toFixed(1)} MB`
    );
    expect(growth).toBeLessThan(GROWTH_BOUND);
    expect(results.map((r) => r.status)).toEqual(sends.map((s) => s[5]));
  }, 120_000);
});
