/**
 * Daily behavioural features (issue #19) — `npm run bench`.
 *
 * 1. A day at Beiwe defaults for one Android participant, emulated, uploaded through the app and
 *    processed by the worker with the features on (then the scheduled job computing what the batches
 *    left marked), against the same day for another participant with the stream processor alone.
 *    A first day, not counted (its time is printed), warms the process; then `--rounds` pairs (3
 *    by default), each participant a new one, alternate without and with, and the medians are
 *    given: on this machine one day's time varies by ±15 % from run to run, more than features add.
 * 2. Features from scratch for 200 participants × 30 days (GPS at Beiwe's duty cycle in the minute
 *    rollup, calls and texts, accelerometer for 16 waking hours in its minute rollup with an hour of
 *    walking in `walking_minutes`): wall time and this process's CPU (MariaDB's own CPU is not in it).
 *    Walking itself is found while uploads are parsed, so its cost is in part 1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createApp } from '../src/app.ts';
import { createLocalArchiveStore } from '../src/archive/local-store.ts';
import { FEATURE_DELAY_MS } from '../src/features/dirty.ts';
import { computeMarkedDays, createFeatureProcessor } from '../src/features/processor.ts';
import { rebuildFeatures } from '../src/features/rebuild.ts';
import { ensureDayPartitions } from '../src/streams/partitions.ts';
import { createStreamProcessor } from '../src/streams/processor.ts';
import { currentDeviceSettings } from '../src/study-config/device-settings-store.ts';
import { asAdmin, testDeps, testVault } from '../src/test/app-deps.ts';
import { insertParticipant, insertStudy } from '../src/test/factories.ts';
import { enrolledPhone } from '../src/test/enrolled-phone.ts';
import { createOwnDatabase } from '../src/test/test-db.ts';
import { processNextJob, type UploadProcessor } from '../src/uploads/worker.ts';

const DAY = new Date('2026-11-22T00:00:00Z');
const PARTICIPANTS = 200;
const DAYS = 30;
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? '3');
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const own = await createOwnDatabase('vigil_bench_features');
  const archiveDir = await mkdtemp(join(tmpdir(), 'vigil-bench-features-'));
  const deps = testDeps({
    db: own.db,
    clock: () => new Date(),
    vault: testVault(),
    archiveStore: createLocalArchiveStore(archiveDir),
  });
  const app = createApp(deps);
  const streams = createStreamProcessor({ clock: () => new Date(), settingsFor: currentDeviceSettings });
  const features = createFeatureProcessor({ clock: () => new Date() });
  try {
    await ensureDayPartitions(own.db, DAY, 47);
    const study = (await (
      await app.request('/api/v1/studies', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ name: 'Bench' }),
      })
    ).json()) as { id: number };

    /** Uploads a day at Beiwe defaults for a new participant and times the worker over it. */
    const day = async (label: string, processors: readonly UploadProcessor[]) => {
      const { phone, participant: enrolled } = await enrolledPhone(app, {
        label,
        studyId: study.id,
        phone: { seed: 'bench' },
      });
      await phone.register();
      const files = phone.generateFiles({ from: DAY, hours: 24 });
      for (const f of files) await phone.upload(f.fileName, f.bytes);
      const started = performance.now();
      await Promise.all(
        Array.from({ length: deps.config.worker.concurrency }, (_, i) => `bench-${label}-${i}`).map(async (worker) => {
          while ((await processNextJob({ ...deps, processors }, worker)) > 0);
        })
      );
      return { ms: performance.now() - started, uploads: files.length, participantId: enrolled.id };
    };
    process.stdout.write(`a day at Beiwe defaults: a warm-up, then ${ROUNDS} rounds without and with features…\n`);
    const warmUp = await day('warm-up', [streams]);
    process.stdout.write(`  warm-up (stream processor alone, not counted): ${(warmUp.ms / 1000).toFixed(2)} s\n`);
    // What the warm-up left marked, so each round's job below computes only its own day.
    await computeMarkedDays(own.db, new Date(Date.now() + FEATURE_DELAY_MS));
    const rounds: { without: number; with: number; sweep: number; total: number }[] = [];
    let last: { participantId: number; uploads: number; days: number } | undefined;
    for (let r = 0; r < ROUNDS; r++) {
      const without = await day(`without-${r}`, [streams]);
      const withFeatures = await day(`with-${r}`, [streams, features]);
      // What the batches left marked (all of it, when the day took under FEATURE_DELAY_MS), as the
      // scheduled job computes it a minute later; the day without features leaves its own marks,
      // which the job would compute as well, so they are cleared first.
      await own.db('daily_feature_dirty').where({ participant_id: without.participantId }).delete();
      const sweepStarted = performance.now();
      const swept = await computeMarkedDays(own.db, new Date(Date.now() + FEATURE_DELAY_MS));
      const sweep = performance.now() - sweepStarted;
      rounds.push({ without: without.ms, with: withFeatures.ms, sweep, total: withFeatures.ms + sweep });
      process.stdout.write(
        `  round ${r + 1}: without ${(without.ms / 1000).toFixed(2)} s, with ${(withFeatures.ms / 1000).toFixed(2)} s + job ${sweep.toFixed(0)} ms\n`
      );
      last = { participantId: withFeatures.participantId, uploads: withFeatures.uploads, days: swept.days };
    }
    const [featureRows] = (await own
      .db('daily_features')
      .where({ participant_id: last!.participantId })
      .count({ n: '*' })) as { n: number }[];
    const withMs = median(rounds.map((r) => r.with));
    const withoutMs = median(rounds.map((r) => r.without));
    const added = median(rounds.map((r) => r.with - r.without));

    process.stdout.write(
      `seeding ${PARTICIPANTS} participants × ${DAYS} days of GPS, calls, texts and accelerometer…\n`
    );
    const from = '2026-10-01';
    const to = '2026-10-30';
    await seedHistory(own.db, Date.UTC(2026, 9, 1), PARTICIPANTS, DAYS);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const rebuilt = await rebuildFeatures(own.db, { from, to, now: new Date() });
    const scratchMs = performance.now() - started;
    const used = process.cpuUsage(cpu);

    console.log('\nDaily behavioural features');
    console.log(`| figure (day: median of ${ROUNDS} rounds) | value | goal |`);
    console.log('|---|---:|---|');
    console.log(
      `| one Android day at Beiwe defaults (${last!.uploads} uploads), worker with features | ${(withMs / 1000).toFixed(2)} s | |`
    );
    console.log(`| the same day, stream processor alone | ${(withoutMs / 1000).toFixed(2)} s | |`);
    console.log(
      `| added in the worker (marking days, computing those marked over a minute ago), a round's difference: per day / per upload | ${(added / 1000).toFixed(2)} s / ${(added / last!.uploads).toFixed(2)} ms | |`
    );
    console.log(
      `| then the scheduled job: ${last!.days} marked day(s) computed | ${median(rounds.map((r) => r.sweep)).toFixed(0)} ms | |`
    );
    console.log(
      `| the day with its features, worker + job | ${(median(rounds.map((r) => r.total)) / 1000).toFixed(2)} s | < 5 s |`
    );
    console.log(`| feature rows kept for that participant | ${featureRows?.n} | |`);
    console.log(
      `| from scratch: ${rebuilt.participants} participants × ${DAYS} days (${rebuilt.days} days, ${rebuilt.rows.toLocaleString('en-US')} rows) | ${(scratchMs / 1000).toFixed(1)} s wall, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU (node) | |`
    );
    console.log(`| per participant-day | ${(scratchMs / rebuilt.days).toFixed(1)} ms | |`);
  } finally {
    await rm(archiveDir, { recursive: true, force: true });
    await own.drop();
  }
}

/**
 * GPS as the duty cycle leaves it in the minute rollup (on 1 min, off 10: two fixes every 11
 * minutes), at home at night and at one of two places by day, and three calls and four texts a day.
 */
async function seedHistory(db: Knex, startMs: number, participants: number, days: number): Promise<void> {
  const study = await insertStudy(db, { timezone: 'America/New_York' });
  const KM = 180 / (Math.PI * 6371);
  for (let p = 0; p < participants; p++) {
    const { id } = await insertParticipant(db, study.id);
    // An Android phone: only its call and text logs are counted.
    await db('beiwe_participants').insert({
      participant_id: id,
      patient_id: `fb${String(p).padStart(6, '0')}`,
      password_hash: 'x',
      private_key_sealed: 'x',
      public_key: 'x',
      os_type: 'ANDROID',
      created_at: new Date(),
      updated_at: new Date(),
    });
    const gps: (number | Date)[][] = [];
    const quantity: object[] = [];
    const calls: object[] = [];
    const texts: object[] = [];
    const accelerometer: (number | string | Date)[][] = [];
    const walking: (number | Date)[][] = [];
    for (let d = 0; d < days; d++) {
      const dayMs = startMs + d * 86_400_000 + 4 * 3_600_000;
      for (let m = 0; m < 1440; m += 11) {
        for (const minute of [m, m + 1]) {
          const t = dayMs + minute * 60_000;
          const away = minute >= 540 && minute < 1020;
          const lat = 40 + p * 0.01 + (away ? ((d % 2) + 1) * 2 * KM : 0) + ((minute * 7919) % 13) * 1e-6;
          gps.push([id, new Date(t), 1, new Date(t), lat, -74, 10, 8]);
        }
      }
      for (let m = 420; m < 1380; m++) {
        const minute = new Date(dayMs + m * 60_000);
        accelerometer.push([id, 'accelerometer', minute, 300, 2942, 28852, 9.7, 9.9]);
        if (m >= 1080 && m < 1140) walking.push([id, minute, 30, 54]);
      }
      const day = new Date(dayMs).toISOString().slice(0, 10);
      quantity.push({ participant_id: id, stream: 'gps', day, rows: 262, bytes: 1, expected_rows: null });
      for (let c = 0; c < 3; c++) {
        const t = new Date(dayMs + (10 + c) * 3_600_000);
        calls.push({
          participant_id: id,
          t,
          hashed_phone_number: `n${c}`,
          call_type: c === 2 ? 'Missed Call' : 'Incoming Call',
          duration_s: 60,
        });
      }
      for (let x = 0; x < 4; x++) {
        const t = new Date(dayMs + (14 + x) * 3_600_000);
        texts.push({
          participant_id: id,
          t,
          hashed_phone_number: `n${x}`,
          sent_vs_received: 'sent SMS',
          message_length: 20,
        });
      }
    }
    for (let i = 0; i < gps.length; i += 5000) {
      const chunk = gps.slice(i, i + 5000);
      await db.raw(
        `INSERT INTO gps_minutes (participant_id, minute, n, first_t, latitude, longitude, altitude_m, accuracy_m) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flat()
      );
    }
    for (let i = 0; i < accelerometer.length; i += 5000) {
      const chunk = accelerometer.slice(i, i + 5000);
      await db.raw(
        `INSERT INTO motion_minutes (participant_id, stream, minute, n, mag_sum, mag_sq_sum, mag_min, mag_max) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flat()
      );
    }
    await db.raw(
      `INSERT INTO walking_minutes (participant_id, minute, walking_s, steps) VALUES ${walking.map(() => '(?, ?, ?, ?)').join(', ')}`,
      walking.flat()
    );
    await db('data_quantity').insert(quantity);
    await db('calls').insert(calls);
    await db('texts').insert(texts);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
