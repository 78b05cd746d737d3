/**
 * Parsing a day of the 10 Hz streams (issues #19, #23) — `npm run bench`.
 *
 * A day at Beiwe defaults of each motion stream, emulated for one Android and one iOS phone (the
 * plaintext the worker gets after decryption), parsed into load-ready rows as the stream processor
 * does (the accelerometer keeping its samples for walking): this process's CPU, the median of five
 * runs, without the database. The participant-day figure over HTTP is participant-day.bench.ts.
 */
import { STREAM_TABLES } from '../src/streams/catalog.ts';
import { createRowWriter, type ParseContext } from '../src/streams/rows.ts';
import { phoneBook } from '../src/test/phone-emulator/event-streams.ts';
import { createIdentifierHasher, newInstallSecrets } from '../src/test/phone-emulator/identifiers.ts';
import { createPrng } from '../src/test/phone-emulator/prng.ts';
import { streamSettings } from '../src/test/phone-emulator/stream-context.ts';
import { generatePlainFiles } from '../src/test/phone-emulator/streams.ts';
import { defaultSurveys } from '../src/test/phone-emulator/surveys.ts';
import type { PhoneOs, StreamId } from '../src/test/phone-emulator/types.ts';

const FROM = Date.UTC(2026, 10, 22);
const RUNS = 5;
const STREAMS = {
  android: ['accelerometer', 'gyro', 'gps'],
  ios: ['accelerometer', 'gyro', 'magnetometer', 'devicemotion', 'gps'],
} as const satisfies Record<PhoneOs, readonly StreamId[]>;

function dayOfFiles(os: PhoneOs): { stream: StreamId; text: string; bytes: Buffer }[] {
  const random = createPrng(`motion-parse/${os}`);
  const ctx = {
    os,
    patientId: 'abcd1234',
    from: FROM,
    to: FROM + 86_400_000,
    settings: streamSettings(),
    random: random.fork('rows'),
    hasher: createIdentifierHasher(newInstallSecrets(random.fork('install'))),
    contacts: phoneBook(random.fork('contacts')),
  };
  const files = generatePlainFiles(ctx, defaultSurveys(random.fork('surveys'), os), STREAMS[os]);
  return files.flatMap((f) => {
    if (f.kind !== 'text') return [];
    const text = `${[f.header, ...f.rows].join('\n')}\n`;
    return [{ stream: f.stream, text, bytes: Buffer.from(text) }];
  });
}

const cpuMs = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};

function main() {
  console.log('\nParsing a day of the motion streams (CPU ms, median of 5; no database)');
  console.log('| phone | stream | rows | CPU ms |');
  console.log('|---|---|---:|---:|');
  for (const os of ['android', 'ios'] as const) {
    process.stderr.write(`emulating a day of ${os} motion streams…\n`);
    const files = dayOfFiles(os);
    const ctx: ParseContext = {
      participantId: 1,
      os: os === 'android' ? 1 : 2,
      fileTime: new Date(FROM),
      fileStampMs: FROM,
      surveyId: undefined,
      uploadId: 1,
      extension: 'csv',
      now: new Date(FROM + 2 * 86_400_000),
    };
    for (const stream of STREAMS[os]) {
      const mine = files.filter((f) => f.stream === stream);
      const times: number[] = [];
      let rows = 0;
      for (let run = 0; run < RUNS; run++) {
        rows = 0;
        const started = process.cpuUsage();
        for (const f of mine) {
          const w = createRowWriter(ctx, { keepSamples: stream === 'accelerometer' });
          STREAM_TABLES[stream].parse({ text: f.text, bytes: f.bytes }, ctx, w);
          rows += w.finish().rows;
        }
        times.push(cpuMs(started));
      }
      times.sort((a, b) => a - b);
      console.log(`| ${os} | ${stream} | ${rows.toLocaleString('en-US')} | ${Math.round(times[RUNS >> 1]!)} |`);
    }
  }
}

main();
