/**
 * The floor under a participant-day (issue #23) — `npm run bench`.
 *
 * One participant-day at Beiwe defaults, of the shape the participant-day bench sends (the phone
 * emulator, Android), is put through each stage the ingest cannot skip, timed alone: what the
 * stage costs whatever the code around it does. CPU is this process's (its thread pool's too), the
 * median of a few passes over the whole day; HTTP is the CPU of a server in a child process that
 * only reads each body and answers, first bare Node, then Hono on @hono/node-server as the ingest
 * runs, the day's requests replayed to it one after another. The database's share is not here:
 * participant-day.bench.ts measures it, and the perf baseline gives LOAD DATA's cost per row.
 * Prints the machine's load average: CPU figures stretch less with load than wall time, not none.
 */
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants } from 'node:zlib';
import { openArchiveObject, sealArchiveObject } from '../src/archive/codec.ts';
import { createLocalArchiveStore } from '../src/archive/local-store.ts';
import { parseMobileBody } from '../src/beiwe/mobile/body.ts';
import { decryptBeiweFile } from '../src/beiwe/protocol/decrypt-file.ts';
import { parseUploadFileName } from '../src/beiwe/protocol/file-name.ts';
import { extractAesKey } from '../src/beiwe/protocol/key-line.ts';
import { STREAM_TABLES } from '../src/streams/catalog.ts';
import { createRowWriter } from '../src/streams/rows.ts';
import { createPhone } from '../src/test/phone-emulator/phone.ts';
import { testPrivateKeyPem } from '../src/test/phone-emulator/test-keys.ts';
import { registrationReply, startRecordingServer } from '../src/test/phone-emulator/test-server.ts';
import { cpuSeconds } from './proc-cpu.ts';

const PASSES = Number(process.argv[2] ?? 3);
const BINARY_STREAMS = new Set(['audio_recordings']);
const compress = promisify(brotliCompress);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median CPU-seconds of one pass of `run` over the day. */
async function cpuOf(run: () => unknown): Promise<number> {
  const passes: number[] = [];
  for (let i = 0; i < PASSES; i++) {
    const before = process.cpuUsage();
    await run();
    const used = process.cpuUsage(before);
    passes.push((used.user + used.system) / 1e6);
  }
  return median(passes);
}

type Recorded = { headers: Record<string, string>; body: Buffer };

/** CPU-seconds a server process spends receiving the day's requests (one after another) and answering each. */
async function serverCpu(source: string, requests: readonly Recorded[]): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
    cwd: join(import.meta.dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', () => reject(new Error('server exited')));
  });
  try {
    const send = async () => {
      for (const r of requests) {
        const res = await fetch(`http://127.0.0.1:${port}/upload`, {
          method: 'POST',
          headers: r.headers,
          body: r.body,
        });
        await res.text();
      }
    };
    await send(); // warm-up pass: code paths compiled, sockets open
    const passes: number[] = [];
    for (let i = 0; i < PASSES; i++) {
      const before = await cpuSeconds(child.pid!);
      await send();
      passes.push((await cpuSeconds(child.pid!)) - before);
    }
    return median(passes);
  } finally {
    child.kill();
  }
}

const BARE_NODE = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => { Buffer.concat(chunks); res.end('upload successful.'); });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

const HONO = `
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
const app = new Hono().post('/upload', async (c) => {
  const chunks = [];
  for await (const chunk of c.env.incoming) chunks.push(chunk);
  Buffer.concat(chunks);
  return c.text('upload successful.');
});
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(info.port));
server.keepAliveTimeout = 65000;
`;

async function main() {
  const recorder = await startRecordingServer((r) =>
    r.path.startsWith('/register_user') ? registrationReply() : { status: 200, body: 'upload successful.' }
  );
  const phone = createPhone({
    os: 'android',
    serverUrl: recorder.url,
    patientId: 'floor123',
    temporaryPassword: 't',
    seed: 'pday-0',
  });
  await phone.register();
  const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000);
  // Only names, sizes and line counts are kept: the ingest never holds a day's row strings at once.
  const files: { fileName: string; bytes: number; lines: number }[] = [];
  for (const f of phone.generateFiles({ from: day, hours: 24 })) {
    await phone.upload(f.fileName, f.bytes);
    files.push({ fileName: f.fileName, bytes: f.bytes.length, lines: f.rows.length });
  }
  await recorder.close();
  const requests: Recorded[] = recorder.requests
    .filter((r) => r.path.startsWith('/upload'))
    .map((r) => ({ headers: { 'content-type': String(r.headers['content-type']) }, body: r.body }));
  const bytes = files.reduce((a, f) => a + f.bytes, 0);
  const lines = files.reduce((a, f) => a + f.lines, 0);
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

  const privateKey = createPrivateKey(testPrivateKeyPem);
  const dataKey = Buffer.alloc(32, 7);
  const forms = await Promise.all(requests.map((r) => parseMobileBody(r.body, r.headers['content-type'])));
  const uploads = forms.map((form) => form.file!);
  const sealed = await Promise.all(uploads.map((u, i) => sealArchiveObject(dataKey, u, `k${i}`)));
  const plaintexts = uploads.map((u) => decryptBeiweFile(u, privateKey));
  const dir = await mkdtemp(join(tmpdir(), 'vigil-floor-'));
  const store = createLocalArchiveStore(dir);
  let put = 0;

  const rows: [string, number][] = [];
  const stage = async (label: string, run: () => unknown) => rows.push([label, await cpuOf(run)]);
  try {
    rows.push(['HTTP: bare Node server, read the body and answer', await serverCpu(BARE_NODE, requests)]);
    rows.push(['HTTP: Hono on @hono/node-server, body read from Node', await serverCpu(HONO, requests)]);
    await stage('form parse (parseMobileBody)', async () => {
      for (const r of requests) await parseMobileBody(r.body, r.headers['content-type']);
    });
    await stage('key line: RSA-2048 decrypt (key parsed once)', () => {
      for (const u of uploads) extractAesKey(u.subarray(0, u.indexOf(0x0a)), privateKey);
    });
    await stage('SHA-256 of each file', () => {
      for (const u of uploads) createHash('sha256').update(u).digest();
    });
    await stage('brotli quality 1 alone (inside the seal)', async () => {
      for (const u of uploads) await compress(u, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
    });
    await stage('archive seal: brotli + AES-256-GCM', async () => {
      for (const [i, u] of uploads.entries()) await sealArchiveObject(dataKey, u, `k${i}`);
    });
    await stage('archive put: write + fsync + rename + directory fsync', async () => {
      for (const s of sealed) await store.put(`day/${put++}`, s);
    });
    await stage('archive read back by the worker (AES-GCM + brotli decompress)', async () => {
      for (const [i, s] of sealed.entries()) await openArchiveObject(dataKey, s, `k${i}`);
    });
    await stage('Beiwe decrypt: RSA key line + AES-CBC (decryptBeiweFile)', () => {
      for (const u of uploads) decryptBeiweFile(u, privateKey);
    });
    await stage('CSV parse to rows (the streams parsers)', () => {
      for (const [i, p] of plaintexts.entries()) {
        if (p.kind !== 'ok') continue;
        const name = parseUploadFileName(files[i]!.fileName, new Date());
        if (!name.ok) continue;
        const ctx = {
          participantId: 1,
          os: 1 as const,
          fileTime: name.timestamp,
          fileStampMs: name.stampMs,
          surveyId: name.surveyId,
          uploadId: i,
          extension: name.extension,
          now: new Date(),
        };
        const writer = createRowWriter(ctx, { keepSamples: name.stream === 'accelerometer' });
        const text = BINARY_STREAMS.has(name.stream) ? '' : p.plaintext.toString('utf8');
        STREAM_TABLES[name.stream].parse({ text, bytes: p.plaintext }, ctx, writer);
        writer.finish();
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  console.log(
    `\nOne participant-day alone, stage by stage: ${requests.length} uploads, ${(bytes / 1e6).toFixed(1)} MB, ` +
      `${lines.toLocaleString('en-US')} lines (median of ${PASSES} passes, load average ${load})`
  );
  console.log('| stage | CPU-s per participant-day | CPU ms per upload |');
  console.log('|---|---:|---:|');
  for (const [label, s] of rows)
    console.log(`| ${label} | ${s.toFixed(3)} | ${((1000 * s) / requests.length).toFixed(2)} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
