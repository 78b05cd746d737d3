import knex, { type Knex } from 'knex';
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
 * Migrates to the latest schema. Several ingest processes may start at once, so migrators are
 * serialised with a server-side named lock (GET_LOCK) on a connection of their own. knex's own lock
 * is not enough: on a fresh database two migrators can both insert its lock row (a select-then-insert
 * race), after which every later run reports "already locked" forever. While holding the named
 * lock no other migrator runs, so knex's lock row is reset first: that also clears a lock left set by
 * a migrator that crashed. The named lock dies with its connection, so a crash never leaves it held.
 */
export async function migrateLatest(db: Knex, lockWaitSeconds = 120): Promise<string[]> {
  return withMigrationLock(db, lockWaitSeconds, async () => {
    await db.migrate.forceFreeMigrationsLock(config);
    const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
    return applied;
  });
}

export async function rollbackAll(db: Knex, lockWaitSeconds = 120): Promise<string[]> {
  return withMigrationLock(db, lockWaitSeconds, async () => {
    await db.migrate.forceFreeMigrationsLock(config);
    const [, reverted] = (await db.migrate.rollback(config, true)) as [number, string[]];
    return reverted;
  });
}

async function withMigrationLock<T>(db: Knex, waitSeconds: number, work: () => Promise<T>): Promise<T> {
  // Its own single connection: the lock must stay on one session for the whole run, and the
  // caller's pool may be too small to lend one for that long.
  const locker = knex({
    client: 'mysql2',
    connection: (db.client as { config: Knex.Config }).config.connection,
    pool: { min: 0, max: 1 },
  });
  try {
    return await locker.transaction(async (session) => {
      const [rows] = (await session.raw("SELECT GET_LOCK(CONCAT('vigil-migrate:', DATABASE()), ?) AS got", [
        waitSeconds,
      ])) as [{ got: number | null }[]];
      if (rows[0]?.got !== 1) throw new Error(`another migrator held the schema lock for over ${waitSeconds} s`);
      try {
        return await work();
      } finally {
        await session.raw("SELECT RELEASE_LOCK(CONCAT('vigil-migrate:', DATABASE()))");
      }
    });
  } finally {
    await locker.destroy();
  }
}

export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = (await db.migrate.list(config)) as [unknown, { file: string }[] | string[]];
  return pending.map((p) => (typeof p === 'string' ? p : p.file));
}
