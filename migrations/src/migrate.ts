import type { Knex } from 'knex';
import { migrations } from './migrations/index.ts';

/**
 * The one way the schema moves: ingest start-up, `npm run migrate` and test set-up all call these.
 * Migrations are listed explicitly (not read from disk) so the same code runs under tsx, vitest and
 * a bundled image; `index.test.ts` checks the list against the folder.
 */
const source: Knex.MigrationSource<string> = {
  getMigrations: () => Promise.resolve(migrations.map((m) => m.name)),
  getMigrationName: (name) => name,
  getMigration: (name) => {
    const found = migrations.find((m) => m.name === name);
    if (!found) return Promise.reject(new Error(`unknown migration ${name}`));
    return Promise.resolve(found.module);
  },
};

const config: Knex.MigratorConfig = { migrationSource: source, tableName: 'knex_migrations' };

/**
 * Migrates to the latest schema. Several ingest processes may start at once: one takes knex's
 * migration lock and the others wait for it and try again, finding nothing left to do. On a fresh
 * database they can also race to create knex's own bookkeeping tables (table exists, or a duplicate
 * lock row), which is the same situation one step earlier.
 */
export async function migrateLatest(db: Knex, lockWaitMs = 120_000): Promise<string[]> {
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
      return applied;
    } catch (err) {
      if (!lostTheRace(err) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

const ER_TABLE_EXISTS = 1050;
const ER_DUP_ENTRY = 1062;

function lostTheRace(err: unknown): boolean {
  const { name, errno, sql } = err as { name?: unknown; errno?: unknown; sql?: unknown };
  if (name === 'MigrationLocked') return true;
  // Only knex's own tables: a migration of ours failing this way is a real error, not a race.
  const onBookkeeping = typeof sql === 'string' && sql.includes('knex_migrations');
  return onBookkeeping && (errno === ER_TABLE_EXISTS || errno === ER_DUP_ENTRY);
}

export async function rollbackAll(db: Knex): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(config, true)) as [number, string[]];
  return reverted;
}

export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = (await db.migrate.list(config)) as [unknown, { file: string }[] | string[]];
  return pending.map((p) => (typeof p === 'string' ? p : p.file));
}
