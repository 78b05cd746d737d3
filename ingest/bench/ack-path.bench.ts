/**
 * Where an upload's acknowledgement spends its CPU (issue 20) — `npm run bench`.
 *
 * Each step the upload endpoint runs before its 200, timed alone on one ~1 MB Android
 * accelerometer upload (median of runs, one thread), beside what processing that upload costs
 * later (decrypt and parse) and the disk's fsync rate. With these, the acknowledgement throughput
 * one core can give is 1000 / (ms per MB) MB/s, and by Little's law 50 uploads in flight wait
 * 50 / (uploads acknowledged per second) seconds each, whatever the code does between them.
 * Prints the machine's load average: other work on a shared machine slows every figure.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants } from 'node:zlib';
import { sealArchiveObject } from '../src/archive/codec.ts';
import { createLocalArchiveStore } from '../src/archive/local-store.ts';
import { parseMobileBody } from '../src/beiwe/mobile/body.ts';
import { decryptBeiweFile } from '../src/beiwe/protocol/decrypt-file.ts';
import { extractAesKey } from '../src/beiwe/protocol/key-line.ts';
import { encryptTextFile } from '../src/test/phone-emulator/encrypt.ts';

const RUNS = Number(process.argv[2] ?? 15);
const LINES = 7900; // ~1 MB encrypted, as upload-latency.bench.ts sends

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Timing = { wall: number; cpu: number };

/** Median wall time and median CPU time (this process's threads, the thread pool's too) of a step. */
async function timed(run: () => unknown): Promise<Timing> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpuBefore = process.cpuUsage();
    const began = performance.now();
    await run();
    wall.push(performance.now() - began);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

async function main() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const start = Date.UTC(2026, 0, 1, 14);
  const lines = ['timestamp,accuracy,x,y,z'];
  for (let i = 0; i < LINES; i++) {
    const v = (k: number) => (Math.sin(i * 0.1 + k) * 9.81).toFixed(16);
    lines.push(`${start + i * 100},3,${v(0)},${v(1)},${v(2)}`);
  }
  const file = encryptTextFile(lines, publicKey);
  const mb = file.length / 1_048_576;
  // Android's body: hand-built form fields, the raw file as the last value.
  const body = Buffer.concat([
    Buffer.from(
      `patient_id=abcd1234&password=${'p'.repeat(64)}&device_id=d&file_name=abcd1234_accel_${start}.csv&file=`
    ),
    file,
  ]);
  const keyLine = file.subarray(0, file.indexOf(0x0a));
  const parsedKey = createPrivateKey(pem);
  const dataKey = randomBytes(32);
  const dir = await mkdtemp(join(tmpdir(), 'vigil-ack-path-'));
  const store = createLocalArchiveStore(dir);
  const loadBefore = loadavg();
  try {
    let n = 0;
    const steps: [string, Timing][] = [
      ['body copy (chunks joined, Buffer.concat)', await timed(() => Buffer.concat([body.subarray(0, 65536), body]))],
      ['form parse (parseMobileBody)', await timed(() => parseMobileBody(body, undefined))],
      ['key line RSA-2048 decrypt (private key parsed once)', await timed(() => extractAesKey(keyLine, parsedKey))],
      ['SHA-256 of the file', await timed(() => createHash('sha256').update(file).digest())],
      [
        'brotli quality 1 (inside the seal)',
        await timed(() => promisify(brotliCompress)(file, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } })),
      ],
      ['seal: brotli + AES-256-GCM (sealArchiveObject)', await timed(() => sealArchiveObject(dataKey, file, 'k'))],
      ['local archive put: write + fsync + rename + dir fsync', await timed(() => store.put(`s/p/accel/${n++}`, file))],
    ];
    const fd = await open(join(dir, 'fsync-probe'), 'w');
    const block = Buffer.alloc(4096, 1);
    const syncs = 500;
    const began = performance.now();
    for (let i = 0; i < syncs; i++) {
      await fd.write(block, 0, block.length, 0);
      await fd.datasync();
    }
    const fsyncPerSecond = syncs / ((performance.now() - began) / 1000);
    await fd.close();

    const decrypt = await timed(() => decryptBeiweFile(file, pem));
    const plaintext = decryptBeiweFile(file, pem);
    if (plaintext.kind !== 'ok') throw new Error('the bench file did not decrypt');
    const sum = (pick: (t: Timing) => number) =>
      steps.filter(([name]) => !name.startsWith('brotli')).reduce((a, [, t]) => a + pick(t), 0);
    const ack = { wall: sum((t) => t.wall), cpu: sum((t) => t.cpu) };
    const row = (name: string, t: Timing) =>
      console.log(`| ${name} | ${t.cpu.toFixed(2)} | ${t.wall.toFixed(2)} | ${(t.cpu / mb).toFixed(2)} |`);

    console.log(`\nAcknowledgement path of one ${mb.toFixed(2)} MB upload, median of ${RUNS}, one thread`);
    console.log('| step | CPU ms | wall ms | CPU ms per MB |');
    console.log('|---|---:|---:|---:|');
    for (const [name, t] of steps) row(name, t);
    row('**ack path total** (the steps but the brotli line, which the seal includes)', ack);
    row('processing later: decrypt (decryptBeiweFile)', decrypt);
    console.log(
      `\nfdatasync of 4 KiB: ${fsyncPerSecond.toFixed(0)}/s. By CPU, one core acknowledges at most ${(1000 / (ack.cpu / mb)).toFixed(0)} MB/s ` +
        `(no database, no HTTP, nothing else running); 50 uploads of 1 MB in flight then wait ≥ ${((50 * ack.cpu) / 1000).toFixed(2)} s each ` +
        `on one core, ${((50 * ack.cpu) / 2000).toFixed(2)} s on two.`
    );
    console.log(
      `load average 1/5/15 min: ${loadBefore.map((l) => l.toFixed(1)).join(' ')} → ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
