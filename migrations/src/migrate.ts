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

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
  return applied;
}

export async function rollbackAll(db: Knex): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(config, true)) as [number, string[]];
  return reverted;
}

export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = (await db.migrate.list(config)) as [unknown, { file: string }[] | string[]];
  return pending.map((p) => (typeof p === 'string' ? p : p.file));
}
