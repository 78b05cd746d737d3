/**
 * What tests, benches and tools need to build the app without vitest: the test secret, the Grafana
 * headers for each role, a controllable clock, and the app's dependencies over a given database.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { AppDeps } from '../app-env.ts';
import { loadConfig, type Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics/metrics.ts';
import type { ArchiveStore } from '../archive/store.ts';
import { createMailer, type Mailer } from '../sync-alerts/mailer.ts';
import { createUploadArchive } from '../uploads/archive.ts';
import { createVault, type Vault } from '../vault/vault.ts';
import { GENEROUS_LIMITS } from './generous-limits.ts';

export const ADMIN_SECRET = randomBytes(32).toString('hex');

export type TestClock = { (): Date; set(to: Date): void; advance(ms: number): void };

export function createTestClock(start = new Date('2026-11-21T09:00:00.000Z')): TestClock {
  let now = start.getTime();
  const clock = () => new Date(now);
  clock.set = (to: Date) => void (now = to.getTime());
  clock.advance = (ms: number) => void (now += ms);
  return clock;
}

/** The app's dependencies over a given database and archive, with a silent logger and the test secret. */
export function testDeps(parts: {
  db: Knex;
  clock: () => Date;
  vault: Vault;
  archiveStore: ArchiveStore;
  config?: Config;
  mailer?: Mailer;
}): AppDeps {
  const config = parts.config ?? loadConfig({ ...GENEROUS_LIMITS, ...process.env, NODE_ENV: 'test' });
  return {
    config,
    db: parts.db,
    log: createLogger('silent'),
    vault: parts.vault,
    adminSecret: ADMIN_SECRET,
    clock: parts.clock,
    archive: createUploadArchive({ db: parts.db, vault: parts.vault, store: parts.archiveStore }),
    mailer: parts.mailer ?? createMailer(config.mail),
    metrics: createMetrics(),
  };
}

export function testVault(): Vault {
  return createVault([{ id: 'test', key: randomBytes(32) }]);
}

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
