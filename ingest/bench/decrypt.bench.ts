/**
 * Decryption throughput of a realistic Beiwe accelerometer upload, compared in the same run with
 * what Node's AES can do on the same bytes (perf-baseline.md §2).
 *
 *     npx tsx ingest/bench/decrypt.bench.ts [lines]
 */
import { createDecipheriv, createPrivateKey, randomBytes } from 'node:crypto';
import { DECIPHER_CHUNK_BYTES, decryptBeiweFile } from '../src/beiwe/protocol/decrypt-file.ts';
import { decryptBeiweFileReference } from '../src/test/beiwe-decrypt-reference.ts';
import { encryptTextFile } from '../src/test/phone-emulator/encrypt.ts';
import { testPrivateKeyPem, testPublicKeyPem } from '../src/test/phone-emulator/test-keys.ts';

const LINES = Number(process.argv[2] ?? 200_000);
const RUNS = 3;

/** Android `AccelerometerListener`: `%.16f` of float readings in m/s² (spec §4.2). */
function accelerometerLines(count: number): string[] {
  const lines = ['timestamp,accuracy,x,y,z'];
  let t = 1_700_000_000_000;
  const axis = (g: number) => Math.fround(g + (Math.random() - 0.5) * 0.6).toFixed(16);
  for (let i = 0; i < count; i++) {
    t += 100 + Math.floor(Math.random() * 3);
    lines.push(`${t},3,${axis(0.12)},${axis(-0.35)},${axis(9.81)}`);
  }
  return lines;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

type Timing = { wallMs: number; cpuMs: number };

/** Median wall and CPU time; CPU time is the steadier figure on a shared machine. */
function measure(run: () => void): Timing {
  run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    run();
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

const lines = accelerometerLines(LINES);
const aesKey = randomBytes(16);
const file = encryptTextFile(lines, testPublicKeyPem, { aesKey });
const privateKey = createPrivateKey(testPrivateKeyPem);
const expected = Buffer.from(lines.join('\n'));

const check = decryptBeiweFile(file, privateKey);
if (check.kind !== 'ok' || !check.plaintext.equals(expected)) throw new Error('decryptBeiweFile output is wrong');

// The AES-only rows get the already decoded bytes, so they time nothing but the cipher.
const decoded = file
  .toString('latin1')
  .split('\n')
  .slice(1, -1)
  .map((line) => line.split(':').map((part) => Buffer.from(part, 'base64url')) as [Buffer, Buffer]);
const interleaved = Buffer.concat(decoded.flat());

const rows: [string, Timing][] = [
  ['decryptBeiweFile (one-call CBC, whole file)', measure(() => decryptBeiweFile(file, privateKey))],
  ['reference (per-line createDecipheriv, whole file)', measure(() => decryptBeiweFileReference(file, privateKey))],
  [
    'AES only: per-line createDecipheriv',
    measure(() => {
      for (const [iv, ct] of decoded) createDecipheriv('aes-128-cbc', aesKey, iv).setAutoPadding(false).update(ct);
    }),
  ],
  [
    'AES only: one decipher over iv‖ct, 1 MiB updates',
    measure(() => {
      // Chunked like decryptBeiweFile and the baseline: one giant update() spends most of its
      // time page-faulting its fresh output buffer.
      const decipher = createDecipheriv('aes-128-cbc', aesKey, Buffer.alloc(16)).setAutoPadding(false);
      for (let at = 0; at < interleaved.length; at += DECIPHER_CHUNK_BYTES) {
        decipher.update(interleaved.subarray(at, at + DECIPHER_CHUNK_BYTES));
      }
    }),
  ],
];

const lineCount = lines.length;
const fileMb = file.length / 1e6;
console.log(
  `${lineCount.toLocaleString('en')} lines, ${fileMb.toFixed(1)} MB encrypted ` +
    `(${(file.length / lineCount).toFixed(0)} B/line, ${(expected.length / lineCount).toFixed(0)} B plaintext), ` +
    `${(interleaved.length / 1e6).toFixed(1)} MB iv‖ct; Node ${process.version}; median of ${RUNS}`
);
const fast = rows[0]![1].wallMs;
const table = rows.map(([name, { wallMs, cpuMs }]) => ({
  name,
  ms: wallMs.toFixed(1),
  'cpu ms': cpuMs.toFixed(1),
  'lines/s': Math.round((lineCount / wallMs) * 1000).toLocaleString('en'),
  'MB/s (file)': (fileMb / (wallMs / 1000)).toFixed(0),
  'vs decryptBeiweFile': `${(wallMs / fast).toFixed(2)}×`,
}));
const columns = Object.keys(table[0]!) as (keyof (typeof table)[number])[];
const widths = columns.map((c) => Math.max(c.length, ...table.map((row) => row[c].length)));
const format = (cells: string[]) =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
console.log(format(columns));
for (const row of table) console.log(format(columns.map((c) => row[c])));
