import knex, { type Knex } from 'knex';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

type DbConfig = Config['db'];

/** Knex query options (`.options(UNTIMED)`) for a statement that may rightly run longer than the query timeout. */
export const UNTIMED = Object.freeze({ untimed: true });

/**
 * Every connection speaks UTC and utf8mb4: mysql2 reads and writes DATETIME as UTC (`timezone: 'Z'`)
 * and each pooled session is set to `+00:00` so NOW() and FROM_UNIXTIME agree with it. Tables take
 * their character set from the database default that `ensureDatabase` sets (knex would otherwise
 * write the connection charset into every CREATE TABLE without a collation).
 *
 * A hung database must not hang its callers: connecting gives up after `connectTimeoutMs`, waiting
 * for a pooled connection and every statement after `queryTimeoutMs` (`options.queryTimeoutMs: 0`
 * for none, as migrations want), and a row lock after `lockWaitSeconds`. A statement that timed out
 * drops its connection, since its answer may still come and would be read as the next one's.
 */
export function createDb(
  db: DbConfig,
  options: { withDatabase?: boolean; log?: Logger; queryTimeoutMs?: number } = {}
): Knex {
  const { log } = options;
  const queryTimeoutMs = options.queryTimeoutMs ?? db.queryTimeoutMs;
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
      connectTimeout: db.connectTimeoutMs,
    },
    ...(queryTimeoutMs > 0 && { acquireConnectionTimeout: Math.max(queryTimeoutMs, db.connectTimeoutMs) }),
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
        if (queryTimeoutMs > 0) limitQueryTime(conn, queryTimeoutMs);
        // READ COMMITTED: a locking read takes no gap locks, so a worker claiming jobs
        // (FOR UPDATE SKIP LOCKED) cannot deadlock with a phone's upload inserting the next row.
        conn.query(
          `SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_unicode_ci, SESSION innodb_lock_wait_timeout = ${db.lockWaitSeconds}`,
          (err: Error | null) => {
            if (err) return done(err, conn);
            conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (e: Error | null) => done(e, conn));
          }
        );
      },
    },
  });
}

type RawConnection = { query(...args: unknown[]): unknown; destroy(): void; stream?: { destroy(): void } };

/** What a statement that timed out fails with (mysql2's own code for it, which `app.ts` maps to 503). */
export class QueryTimeoutError extends Error {
  readonly code = 'PROTOCOL_SEQUENCE_TIMEOUT';
  constructor(ms: number) {
    super(`the database did not answer within ${ms} ms`);
    this.name = 'QueryTimeoutError';
  }
}

/**
 * Gives every statement with a callback (all of knex's but streams, whose rows come as they come) a
 * deadline. mysql2's own `timeout` keeps the connection, whose late answer then confuses the next
 * statement, and does not start the clock while a statement waits its turn; this one drops it.
 */
function limitQueryTime(conn: RawConnection, ms: number): void {
  const query = conn.query.bind(conn);
  conn.query = (...args: unknown[]) => {
    const first = args[0];
    if (typeof first === 'object' && first !== null && 'untimed' in first) {
      const rest = { ...(first as Record<string, unknown>) };
      delete rest.untimed;
      return query(rest, ...args.slice(1));
    }
    const at = args.findLastIndex((a) => typeof a === 'function');
    if (at < 0) return query(...args);
    const callback = args[at] as (...result: unknown[]) => void;
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      conn.destroy();
      // destroy() only half-closes; a hung server would keep the socket open.
      conn.stream?.destroy();
      callback(new QueryTimeoutError(ms));
    }, ms);
    timer.unref();
    args[at] = (...result: unknown[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      callback(...result);
    };
    return query(...args);
  };
}

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
