import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { inject, test as base } from 'vitest';
import { createApp } from '../app.ts';
import type { AppDeps } from '../app-env.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import type { ArchiveStore } from '../archive/store.ts';
import { loadConfig, type Config } from '../config.ts';
import { createDb } from '../db.ts';
import type { Vault } from '../vault/vault.ts';
import { createTestClock, testDeps as plainTestDeps, testVault, type TestClock } from './app-deps.ts';

export * from './app-deps.ts';

/** The run's configuration, pointed at its throwaway database. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...process.env, NODE_ENV: 'test', VIGIL_DB_NAME: inject('testDatabase'), ...overrides });
}

export function testDeps(parts: Parameters<typeof plainTestDeps>[0]): AppDeps {
  return plainTestDeps({ config: testConfig(), ...parts });
}

type Fixtures = {
  db: Knex;
  clock: TestClock;
  vault: Vault;
  /** The raw archive's store, in a temporary directory of the test's own. */
  archiveStore: ArchiveStore;
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
};

/** `db`: a pool on the run's throwaway database. `app`: createApp over it with a controllable clock. */
export const test = base.extend<Fixtures>({
  db: async ({}, use) => {
    const db = createDb(testConfig().db);
    await use(db);
    await db.destroy();
  },
  clock: async ({}, use) => {
    await use(createTestClock());
  },
  vault: async ({}, use) => {
    await use(testVault());
  },
  archiveStore: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-archive-'));
    await use(createLocalArchiveStore(dir));
    await rm(dir, { recursive: true, force: true });
  },
  deps: async ({ db, clock, vault, archiveStore }, use) => {
    await use(testDeps({ db, clock, vault, archiveStore }));
  },
  app: async ({ deps }, use) => {
    await use(createApp(deps));
  },
});

/**
 * The same, with the app's clock starting at the time of the run, for tests whose emulated phones
 * name their files by it (the server checks a file's time against its own clock).
 */
export const testFromNow = test.extend<{ clock: TestClock }>({
  clock: async ({}, use) => {
    await use(createTestClock(new Date()));
  },
});
