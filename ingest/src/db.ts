import knex, { type Knex } from 'knex';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

type DbConfig = Config['db'];

/**
 * Every connection speaks UTC and utf8mb4: mysql2 reads and writes DATETIME as UTC (`timezone: 'Z'`)
 * and each pooled session is set to `+00:00` so NOW() and FROM_UNIXTIME agree with it. Tables take
 * their character set from the database default that `ensureDatabase` sets (knex would otherwise
 * write the connection charset into every CREATE TABLE without a collation).
 */
export function createDb(db: DbConfig, options: { withDatabase?: boolean; log?: Logger } = {}): Knex {
  const { log } = options;
  return knex({
    client: 'mysql2',
    connection: {
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      ...(options.withDatabase === false ? {} : { database: db.database }),
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: false,
    },
    // knex otherwise writes its warnings (pool errors, deprecations) straight to the console.
    log: {
      warn: (message: unknown) => log?.warn({ knex: String(message) }, 'knex warning'),
      error: (message: unknown) => log?.error({ knex: String(message) }, 'knex error'),
      deprecate: (method: string, alternative: string) => log?.warn({ method, alternative }, 'knex deprecation'),
      debug: () => undefined,
    },
    pool: {
      min: 0,
      max: db.poolMax,
      afterCreate: (conn: RawConnection, done: (err: Error | null, conn: RawConnection) => void) => {
        // READ COMMITTED: a locking read takes no gap locks, so a worker claiming jobs
        // (FOR UPDATE SKIP LOCKED) cannot deadlock with a phone's upload inserting the next row.
        conn.query("SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_unicode_ci", (err) => {
          if (err) return done(err, conn);
          conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (e) => done(e, conn));
        });
      },
    },
  });
}

type RawConnection = { query(sql: string, cb: (err: Error | null) => void): void };

/** Creates the database if it does not exist; safe to run from several processes at once. */
export async function ensureDatabase(db: DbConfig): Promise<void> {
  const server = createDb({ ...db, poolMax: 1 }, { withDatabase: false });
  try {
    await server.raw('CREATE DATABASE IF NOT EXISTS ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci', [
      db.database,
    ]);
    // A database created elsewhere (a compose init script, an operator) may have another default.
    await server.raw('ALTER DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci', [db.database]);
  } finally {
    await server.destroy();
  }
}

export async function dropDatabase(db: DbConfig): Promise<void> {
  const server = createDb({ ...db, poolMax: 1 }, { withDatabase: false });
  try {
    await server.raw('DROP DATABASE IF EXISTS ??', [db.database]);
  } finally {
    await server.destroy();
  }
}

/** MySQL's ER_DUP_ENTRY: a unique key refused the row. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { errno?: unknown }).errno === 1062;
}
