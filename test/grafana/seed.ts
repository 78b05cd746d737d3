import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createApp } from '../../ingest/src/app.ts';
import { createLocalArchiveStore } from '../../ingest/src/archive/local-store.ts';
import { markNeedsReauth } from '../../ingest/src/connections/status.ts';
import { findConnection, insertConnection, withoutTokens } from '../../ingest/src/connections/store.ts';
import { ensureDayPartitions } from '../../ingest/src/streams/partitions.ts';
import { createStreamProcessor } from '../../ingest/src/streams/processor.ts';
import { currentDeviceSettings } from '../../ingest/src/study-config/device-settings-store.ts';
import { asAdmin, testDeps, testVault } from '../../ingest/src/test/app-deps.ts';
import { createPhone, type GeneratedFile } from '../../ingest/src/test/phone-emulator/phone.ts';
import type { StreamId } from '../../ingest/src/test/phone-emulator/types.ts';
import { processNextJob } from '../../ingest/src/uploads/worker.ts';

/** Streams the dashboards draw, which the seeded phone must have produced. */
const NEEDED: readonly StreamId[] = ['accelerometer', 'gps', 'power_state', 'calls', 'texts', 'survey_answers'];

export type Seeded = { studyId: number; participantId: number; label: string; from: Date; to: Date };

/**
 * A study with one emulated Android phone whose hours of data go through the real ingest path
 * (upload → archive → queue → worker → stream tables, rollups, data quantity), a heartbeat, one
 * upload left waiting in the queue and a wearable connection that needs consent again.
 */
export async function seedStudy(db: Knex, start = new Date('2026-11-19T08:00:00Z')): Promise<Seeded> {
  const archiveDir = await mkdtemp(join(tmpdir(), 'vigil-grafana-seed-'));
  try {
    const deps = testDeps({
      db,
      clock: () => new Date(),
      vault: testVault(),
      archiveStore: createLocalArchiveStore(archiveDir),
    });
    const app = createApp(deps);
    const processor = createStreamProcessor({ clock: () => new Date(), settingsFor: currentDeviceSettings });
    await ensureDayPartitions(db, new Date());
    const post = async <T>(path: string, body: object) =>
      (await (await app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) })).json()) as T;
    const study = await post<{ id: number }>('/api/v1/studies', { name: `Dashboards ${Date.now()}` });
    const label = 'dash-android';
    const enrolled = await post<{ id: number; beiwe: { patientId: string; temporaryPassword: string } }>(
      `/api/v1/studies/${study.id}/participants`,
      { label }
    );
    const phone = createPhone({
      os: 'android',
      serverUrl: 'http://vigil.test',
      patientId: enrolled.beiwe.patientId,
      temporaryPassword: enrolled.beiwe.temporaryPassword,
      seed: 'grafana-dashboards',
      fetch: (i, init) => Promise.resolve(app.request(i as string, init)),
    });
    await phone.register();
    const files: GeneratedFile[] = [];
    // Hours over two days until every stream a panel draws has appeared (sparse streams skip hours).
    for (
      let hour = 0;
      hour < 48 && !NEEDED.every((s) => files.some((f) => f.stream === s));
      hour += hour % 24 === 7 ? 17 : 1
    ) {
      files.push(...phone.generateFiles({ from: new Date(start.getTime() + hour * 3_600_000), hours: 1 }));
    }
    const last = files.pop();
    for (const f of files) await phone.upload(f.fileName, f.bytes);
    while (await processNextJob({ ...deps, processors: [processor] }, 'grafana-seed'));
    if (last) await phone.upload(last.fileName, last.bytes);
    await phone.heartbeat();

    const now = new Date();
    const connectionId = await insertConnection(
      db,
      {
        participant_id: enrolled.id,
        provider: 'withings',
        api: 'withings',
        status: 'active',
        scopes_requested: 'user.metrics',
      },
      now
    );
    const connection = await findConnection(db, connectionId);
    if (!connection) throw new Error('connection not stored');
    await db.transaction((trx) => markNeedsReauth(trx, withoutTokens(connection), 'revoked', now));
    return {
      studyId: study.id,
      participantId: enrolled.id,
      label,
      from: new Date(start.getTime() - 86_400_000),
      to: new Date(start.getTime() + 3 * 86_400_000),
    };
  } finally {
    await rm(archiveDir, { recursive: true, force: true });
  }
}
