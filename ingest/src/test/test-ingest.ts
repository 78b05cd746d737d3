import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { ensureDayPartitions } from '../streams/partitions.ts';
import { createStreamProcessor } from '../streams/processor.ts';
import { currentDeviceSettings } from '../study-config/device-settings-store.ts';
import { testDeps, testVault } from './app-deps.ts';
import { processAllUploads } from './process-all.ts';
import { createOwnDatabase } from './test-db.ts';

/**
 * A whole ingest for tests that follow data from phone to table: a database of its own (its queue
 * is nobody else's), an archive in a temporary directory, the app, and `drain` to run the worker
 * with the stream processor until the queue is empty.
 */
export async function createTestIngest(prefix: string) {
  const own = await createOwnDatabase(prefix);
  const archiveDir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const deps = testDeps({
    db: own.db,
    clock: () => new Date(),
    vault: testVault(),
    archiveStore: createLocalArchiveStore(archiveDir),
  });
  await ensureDayPartitions(own.db, new Date());
  const processor = createStreamProcessor({ clock: () => new Date(), settingsFor: currentDeviceSettings });
  return {
    db: own.db,
    deps,
    app: createApp(deps),
    processor,
    drain: () => processAllUploads(own.db, { ...deps, processors: [processor] }, `${prefix}-worker`),
    async close() {
      await own.drop();
      await rm(archiveDir, { recursive: true, force: true });
    },
  };
}
