import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { inject, test as base } from 'vitest';
import { createApp } from '../app.ts';
import type { AppDeps } from '../app-env.ts';
import { loadConfig, type Config } from '../config.ts';
import { createDb } from '../db.ts';
import { createLogger } from '../log.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import type { ArchiveStore } from '../archive/store.ts';
import { createUploadArchive } from '../uploads/archive.ts';
import { createVault, type Vault } from '../vault/vault.ts';

export const ADMIN_SECRET = randomBytes(32).toString('hex');

export type TestClock = { (): Date; set(to: Date): void; advance(ms: number): void };

export function createTestClock(start = new Date('2026-11-21T09:00:00.000Z')): TestClock {
  let now = start.getTime();
  const clock = () => new Date(now);
  clock.set = (to: Date) => void (now = to.getTime());
  clock.advance = (ms: number) => void (now += ms);
  return clock;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...process.env, NODE_ENV: 'test', VIGIL_DB_NAME: inject('testDatabase'), ...overrides });
}

/** The app's dependencies over a given database and archive, with a silent logger and the test secret. */
export function testDeps(parts: {
  db: Knex;
  clock: () => Date;
  vault: Vault;
  archiveStore: ArchiveStore;
  config?: Config;
}): AppDeps {
  return {
    config: parts.config ?? testConfig(),
    db: parts.db,
    log: createLogger('silent'),
    vault: parts.vault,
    adminSecret: ADMIN_SECRET,
    clock: parts.clock,
    archive: createUploadArchive({ db: parts.db, vault: parts.vault, store: parts.archiveStore }),
  };
}

export function testVault(): Vault {
  return createVault([{ id: 'test', key: randomBytes(32) }]);
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

export type Role = 'Admin' | 'Editor' | 'Viewer' | 'None';

/** Headers Grafana's plugin proxy would send for a user with this role. */
export function grafanaHeaders(role: Role, login = `${role.toLowerCase()}-user`, extra: Record<string, unknown> = {}) {
  return {
    'x-vigil-secret': ADMIN_SECRET,
    'x-grafana-context': JSON.stringify({ Login: login, OrgRole: role, IsGrafanaAdmin: false, ...extra }),
    'content-type': 'application/json',
  };
}

export const asAdmin = grafanaHeaders('Admin', 'ann');
export const asViewer = grafanaHeaders('Viewer', 'vic');
export const withoutSecret = { 'content-type': 'application/json' };

export function jsonBody(value: unknown): string {
  return JSON.stringify(value);
}
