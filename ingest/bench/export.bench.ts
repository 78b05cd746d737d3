/**
 * Researcher data export (issue 9): `node --import tsx bench/export.bench.ts [days]`.
 *
 * One Android participant at Beiwe defaults for a month (accelerometer 10 Hz, 10 s on / 10 s off:
 * 432,000 rows a day; GPS 1 Hz one minute in six: 14,400 a day), loaded straight into the tables,
 * then exported through POST /get-data/v1 and read as a client would. Prints rows/s, MB/s, time to
 * first byte and the process's peak RSS growth while streaming (sampled every 20 ms).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.ts';
import { createLocalArchiveStore } from '../src/archive/local-store.ts';
import { STREAM_TABLES } from '../src/streams/catalog.ts';
import { loadRows } from '../src/streams/load.ts';
import { ensureDayPartitions } from '../src/streams/partitions.ts';
import { createRowWriter } from '../src/streams/rows.ts';
import { asAdmin, testDeps, testVault } from '../src/test/app-deps.ts';
import { createOwnDatabase } from '../src/test/test-db.ts';

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 10, 22);
const days = Number(process.argv[2] ?? 30);

async function main() {
  const own = await createOwnDatabase('vigil_bench_export');
  const archiveDir = await mkdtemp(join(tmpdir(), 'vigil-bench-export-'));
  const deps = testDeps({
    db: own.db,
    clock: () => new Date(),
    vault: testVault(),
    archiveStore: createLocalArchiveStore(archiveDir),
  });
  const app = createApp(deps);
  try {
    await ensureDayPartitions(own.db, new Date(START), days + 2);
    const post = async (path: string, body: unknown) =>
      (await app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) })).json();
    const study = (await post('/api/v1/studies', { name: 'Export bench' })) as { id: number; objectId: string };
    const p = (await post(`/api/v1/studies/${study.id}/participants`, { label: 'month' })) as {
      id: number;
      beiwe: { patientId: string };
    };
    const key = (await post('/api/v1/data-access/keys', { studyId: study.id, name: 'bench' })) as {
      accessKey: string;
      secretKey: string;
    };

    process.stdout.write(`loading ${days} days at Beiwe defaults…\n`);
    let rows = 0;
    for (let d = 0; d < days; d++) {
      const ctx = {
        participantId: p.id,
        os: 1 as const,
        fileTime: new Date(START),
        fileStampMs: START,
        surveyId: undefined,
        uploadId: 0,
        extension: 'csv',
        now: new Date(START + days * DAY_MS),
      };
      const accel = createRowWriter(ctx);
      const gps = createRowWriter(ctx);
      for (let s = 0; s < 86_400; s++) {
        const ms = START + d * DAY_MS + s * 1000;
        if (s % 20 < 10) {
          for (let i = 0; i < 10; i++) {
            const a = Math.sin(ms / 1000 + i);
            accel.row(ms + i * 100, [
              1,
              3,
              (a * 0.3).toFixed(7),
              (a * 0.2 + 0.1).toFixed(7),
              (9.81 + a * 0.05).toFixed(6),
            ]);
          }
        }
        if (s % 360 < 60) gps.row(ms + 5, [1, String(42.35 + s / 1e6), String(-71.01 - s / 1e6), '15.2', '8.5']);
      }
      const [a, g] = [accel.finish(), gps.finish()];
      await own.db.transaction(async (trx) => {
        rows += await loadRows(trx, STREAM_TABLES.accelerometer, a);
        rows += await loadRows(trx, STREAM_TABLES.gps, g);
      });
    }

    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const body = new URLSearchParams({
      access_key: key.accessKey,
      secret_key: key.secretKey,
      study_id: study.objectId,
      data_streams: JSON.stringify(['accelerometer', 'gps']),
      participant_ids: JSON.stringify([p.beiwe.patientId]),
    });
    const started = performance.now();
    const res = await app.request('/get-data/v1', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    let firstByte = 0;
    let bytes = 0;
    for await (const chunk of res.body!) {
      if (bytes === 0) firstByte = performance.now() - started;
      bytes += (chunk as Uint8Array).length;
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    if (res.status !== 200) throw new Error(`export answered ${res.status}`);

    const table = [
      ['figure', 'value'],
      ['participant-days', String(days)],
      ['rows exported', rows.toLocaleString('en')],
      ['ZIP bytes', `${(bytes / 1e6).toFixed(1)} MB`],
      ['export time', `${seconds.toFixed(1)} s`],
      ['throughput (rows)', `${Math.round(rows / seconds).toLocaleString('en')} rows/s`],
      ['throughput (bytes)', `${(bytes / 1e6 / seconds).toFixed(1)} MB/s`],
      ['time to first byte', `${firstByte.toFixed(0)} ms`],
      ['peak RSS growth', `${((peak - baseline) / 1e6).toFixed(1)} MB (limit 100 MB)`],
    ];
    for (const [k, v] of table) process.stdout.write(`${k!.padEnd(22)} ${v}\n`);
    if (peak - baseline > 100e6) process.exitCode = 1;
  } finally {
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  }
}

await main();
