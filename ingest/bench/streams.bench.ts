/**
 * Beiwe data into MySQL (issue: Beiwe data) — `npm run bench`.
 *
 * 1. A day at Beiwe defaults for one Android participant (≈432,000 accelerometer rows plus every
 *    other stream the phone writes), emulated, uploaded through the app and processed by the worker.
 * 2. End-to-end accelerometer rows/s (decrypt + parse + load + rollups + data quantity) against, in
 *    the same run, LOAD DATA LOCAL INFILE of the same rows into the same table: the ratio is the figure.
 * 3. Bytes per accelerometer row after 10 million rows: logical (data + index length) and allocated
 *    on disk (the table is page-compressed, so the file system holds less than InnoDB's logical size).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.ts';
import { createLocalArchiveStore } from '../src/archive/local-store.ts';
import { STREAM_TABLES } from '../src/streams/catalog.ts';
import { loadRows } from '../src/streams/load.ts';
import { ensureDayPartitions } from '../src/streams/partitions.ts';
import { createStreamProcessor } from '../src/streams/processor.ts';
import { createRowWriter } from '../src/streams/rows.ts';
import { currentDeviceSettings } from '../src/study-config/device-settings-store.ts';
import { createPhone } from '../src/test/phone-emulator/phone.ts';
import { asAdmin, testDeps, testVault } from '../src/test/app-deps.ts';
import { createOwnDatabase } from '../src/test/test-db.ts';
import { processNextJob } from '../src/uploads/worker.ts';

const DAY = new Date('2026-11-22T00:00:00Z');
const TEN_MILLION = 10_000_000;

async function main() {
  const own = await createOwnDatabase('vigil_bench_streams');
  const archiveDir = await mkdtemp(join(tmpdir(), 'vigil-bench-streams-'));
  const deps = testDeps({
    db: own.db,
    clock: () => new Date(),
    vault: testVault(),
    archiveStore: createLocalArchiveStore(archiveDir),
  });
  const app = createApp(deps);
  const processor = createStreamProcessor({ clock: () => new Date(), settingsFor: currentDeviceSettings });
  try {
    await ensureDayPartitions(own.db, DAY, 47);
    const study = (await (
      await app.request('/api/v1/studies', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ name: 'Bench' }),
      })
    ).json()) as { id: number };
    const enrol = async (label: string) =>
      (await (
        await app.request(`/api/v1/studies/${study.id}/participants`, {
          method: 'POST',
          headers: asAdmin,
          body: JSON.stringify({ label }),
        })
      ).json()) as {
        id: number;
        beiwe: { patientId: string; temporaryPassword: string };
      };

    // 1 + 2: a day of everything, uploaded, then the queue processed and timed.
    const day = await enrol('day');
    const phone = createPhone({
      os: 'android',
      serverUrl: 'http://vigil.bench',
      patientId: day.beiwe.patientId,
      temporaryPassword: day.beiwe.temporaryPassword,
      seed: 'bench',
      fetch: (i, init) => Promise.resolve(app.request(i as string, init)),
    });
    await phone.register();
    process.stdout.write('emulating and uploading a day at Beiwe defaults…\n');
    const files = phone.generateFiles({ from: DAY, hours: 24 });
    for (const f of files) await phone.upload(f.fileName, f.bytes);
    const mb = files.reduce((a, f) => a + f.bytes.length, 0) / 1e6;
    // As many worker loops as the ingest runs by default (VIGIL_WORKER_CONCURRENCY).
    const started = performance.now();
    const loops = await Promise.all(
      Array.from({ length: deps.config.worker.concurrency }, (_, i) => `bench-${i + 1}`).map(async (worker) => {
        let n = 0;
        for (let taken = 1; taken > 0; n += taken)
          taken = await processNextJob({ ...deps, processors: [processor] }, worker);
        return n;
      })
    );
    const jobs = loops.reduce((a, b) => a + b, 0);
    const dayMs = performance.now() - started;
    const counts = (await own
      .db('uploads')
      .where({ participant_id: day.id })
      .groupBy('stream')
      .select('stream', own.db.raw('SUM(rows_stored) AS n'))) as { stream: string; n: string }[];
    const totalRows = counts.reduce((a, c) => a + Number(c.n), 0);
    const accelRows = Number(counts.find((c) => c.stream === 'accelerometer')?.n);
    const accelFiles = files.filter((f) => f.stream === 'accelerometer');

    // 2: the same accelerometer files again, for another participant, alone; then raw LOAD DATA of the same rows.
    const e2e = await enrol('e2e');
    const e2ePhone = createPhone({
      os: 'android',
      serverUrl: 'http://vigil.bench',
      patientId: e2e.beiwe.patientId,
      temporaryPassword: e2e.beiwe.temporaryPassword,
      seed: 'bench',
      fetch: (i, init) => Promise.resolve(app.request(i as string, init)),
    });
    await e2ePhone.register();
    const e2eFiles = e2ePhone.generateFiles({ from: DAY, hours: 24, streams: ['accelerometer'] });
    for (const f of e2eFiles) await e2ePhone.upload(f.fileName, f.bytes);
    const e2eStart = performance.now();
    while (await processNextJob({ ...deps, processors: [processor] }, 'bench'));
    const e2eMs = performance.now() - e2eStart;
    const [e2eCount] = (await own.db('accelerometer').where({ participant_id: e2e.id }).count({ n: '*' })) as {
      n: number;
    }[];

    const raw = await enrol('raw');
    const writer = createRowWriter({
      participantId: raw.id,
      os: 1,
      fileTime: DAY,
      fileStampMs: DAY.getTime(),
      surveyId: undefined,
      uploadId: 0,
      extension: 'csv',
      now: new Date(),
    });
    for (const f of e2eFiles) {
      for (const row of f.rows) {
        const [t, acc, x, y, z] = row.split(',');
        writer.row(Number(t), [1, acc === 'unknown' ? null : Number(acc), x!, y!, z!]);
      }
    }
    const prepared = writer.finish();
    const loadStart = performance.now();
    const loaded = await own.db.transaction((trx) => loadRows(trx, STREAM_TABLES.accelerometer, prepared));
    const loadMs = performance.now() - loadStart;
    const e2eRate = Number(e2eCount?.n) / (e2eMs / 1000);
    const loadRate = loaded / (loadMs / 1000);

    // 3: ten million rows (23 participants × a day at 10 Hz continuous… in 432k-row days), then the footprint.
    process.stdout.write('loading 10 million accelerometer rows for the footprint…\n');
    const perParticipantDay = 432_000;
    let inserted = Number(e2eCount?.n) + loaded + accelRows;
    for (let p = 0; inserted < TEN_MILLION; p++) {
      const fill = await enrol(`fill_${p}`);
      for (let d = 0; d < 3 && inserted < TEN_MILLION; d++) {
        const w = createRowWriter({
          participantId: fill.id,
          os: 1,
          fileTime: DAY,
          fileStampMs: DAY.getTime(),
          surveyId: undefined,
          uploadId: 0,
          extension: 'csv',
          now: new Date(),
        });
        const base = DAY.getTime() + d * 86_400_000;
        for (let i = 0; i < perParticipantDay; i++) {
          const s = Math.sin(p + d + i / 50);
          // 10 s on / 10 s off at 10 Hz: 100 samples, then a 10 s gap.
          w.row(base + Math.floor(i / 100) * 20_000 + (i % 100) * 100, [
            1,
            3,
            (s * 3).toFixed(7),
            (s * 2 + 1).toFixed(7),
            (9.8 + s).toFixed(7),
          ]);
        }
        inserted += await own.db.transaction((trx) => loadRows(trx, STREAM_TABLES.accelerometer, w.finish()));
      }
    }
    await own.db.raw('ANALYZE TABLE accelerometer');
    const [[logical]] = (await own.db.raw(
      "SELECT SUM(data_length + index_length) AS bytes, SUM(table_rows) AS estimated FROM information_schema.partitions WHERE table_schema = DATABASE() AND table_name = 'accelerometer'"
    )) as [{ bytes: number | string }[]];
    const [[allocated]] = (await own.db.raw(
      "SELECT SUM(allocated_size) AS bytes, SUM(file_size) AS file_bytes FROM information_schema.innodb_sys_tablespaces WHERE name LIKE CONCAT(DATABASE(), '/accelerometer#%')"
    )) as [{ bytes: number | string; file_bytes: number | string }[]];
    const [total] = (await own.db('accelerometer').count({ n: '*' })) as { n: number }[];
    const rows = Number(total?.n);

    console.log('\nBeiwe data into MySQL');
    console.log('| figure | value | goal |');
    console.log('|---|---:|---|');
    console.log(
      `| one Android day at Beiwe defaults, ${loops.length} worker loops (batches of ${deps.config.worker.batchSize}): ${files.length} uploads, ${mb.toFixed(1)} MB, ${jobs} jobs, ${totalRows.toLocaleString('en-US')} rows (${accelRows.toLocaleString('en-US')} accelerometer) | ${(dayMs / 1000).toFixed(2)} s | < 5 s |`
    );
    console.log(
      `| accelerometer end to end (${accelFiles.length} uploads: decrypt + parse + load + rollups + data quantity) | ${Math.round(e2eRate).toLocaleString('en-US')} rows/s | |`
    );
    console.log(
      `| LOAD DATA LOCAL INFILE of the same rows, same table | ${Math.round(loadRate).toLocaleString('en-US')} rows/s | |`
    );
    console.log(`| ratio end to end / raw load | ${(e2eRate / loadRate).toFixed(2)} | ≥ 0.5 |`);
    console.log(`| accelerometer rows stored | ${rows.toLocaleString('en-US')} | 10 M |`);
    console.log(
      `| bytes per row, logical (data + indexes, InnoDB) | ${(Number(logical?.bytes) / rows).toFixed(1)} | |`
    );
    console.log(
      `| bytes per row, allocated on disk (page-compressed) | ${(Number(allocated?.bytes) / rows).toFixed(1)} | < 40 |`
    );
  } finally {
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
