import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { RateLimiterMySQL, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.ts';

/** Who may be guessing: each family counts its own failures, so a noisy phone does not lock out an admin. */
export type Family = 'phone' | 'data-access' | 'admin' | 'connect';

/** Flooding limits: every phone call, and every call to the researcher and patient pages. */
export type RequestFamily = 'phone' | 'public';

/**
 * Rate limits and lockouts, counted in the `rate_limits` table so every ingest process sees the
 * same counts. Counted subjects (addresses, patient ids, access keys) are kept only as truncated
 * SHA-256 digests: the table holds no identifier and no address. Each answer is the number of
 * seconds to wait, or undefined when the caller may go on.
 */
export type Limits = {
  /**
   * Counts one request from this address; with `blockedIn`, also answers whether the address is
   * blocked for failing to authenticate in that family (as `addressBlocked`), in the same statement.
   */
  request(family: RequestFamily, address: string, blockedIn?: Family): Promise<number | undefined>;
  /** Whether the address failed to authenticate too often in this family. */
  addressBlocked(family: Family, address: string): Promise<number | undefined>;
  /** Whether the credential (a patient id, an access key) is locked out after too many wrong passwords or secrets. */
  credentialLocked(family: Family, credential: string): Promise<number | undefined>;
  /** A failed authentication: counts against the address and, when one was named, the credential. */
  failed(family: Family, address: string, credential?: string): Promise<void>;
  /** A correct password or secret clears the credential's failures. */
  succeeded(family: Family, credential: string): Promise<void>;
};

type RateLimits = Config['rateLimits'];

const TABLE = 'rate_limits';

export function createLimits(db: Knex, limits: RateLimits): Limits {
  const dbName = databaseOf(db);
  let first = true;
  const limiter = (keyPrefix: string, points: number, duration: number) => {
    const instance = new RateLimiterMySQL({
      storeClient: db,
      storeType: 'knex',
      dbName,
      tableName: TABLE,
      tableCreated: true,
      // One sweeper of expired rows is enough: they all share the table.
      clearExpiredByTimeout: first,
      keyPrefix,
      points,
      duration,
    });
    first = false;
    return instance;
  };
  const families: readonly Family[] = ['phone', 'data-access', 'admin', 'connect'];
  const byFamily = (kind: string, points: number) =>
    Object.fromEntries(
      families.map((f) => [f, limiter(`${kind}-${f}`, points, limits.failureWindowSeconds)])
    ) as Record<Family, RateLimiterMySQL>;
  const addressFailures = byFamily('address-failures', limits.addressFailures);
  const credentialFailures = byFamily('credential-failures', limits.credentialFailures);
  const requests = {
    phone: requestCounter(db, dbName, 'requests-phone', limits.phoneRequests, limits.requestWindowSeconds),
    public: requestCounter(db, dbName, 'requests-public', limits.publicRequests, limits.requestWindowSeconds),
  };

  /** Seconds left while the subject has used up its points. */
  const exhausted = async (l: RateLimiterMySQL, subject: string) => {
    const res = await l.get(digest(subject));
    return res && res.consumedPoints >= l.points ? secondsOf(res) : undefined;
  };
  /** Counts a failure; the one that uses up the points blocks the subject for a whole window from now. */
  const count = async (l: RateLimiterMySQL, subject: string) => {
    const key = digest(subject);
    try {
      const res = await l.consume(key);
      if (res.consumedPoints >= l.points) await l.block(key, limits.failureWindowSeconds);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
    }
  };

  return {
    async request(family, address, blockedIn) {
      const failures = blockedIn && addressFailures[blockedIn];
      const counted = await requests[family](
        digest(address),
        failures && { key: failures.getKey(digest(address)), points: failures.points }
      );
      if (counted !== 'blocked') return counted;
      // Read again for the wait: the failures may have expired since, in which case the request goes on.
      return exhausted(failures!, address);
    },
    addressBlocked: (family, address) => exhausted(addressFailures[family], address),
    credentialLocked: (family, credential) => exhausted(credentialFailures[family], credential),
    async failed(family, address, credential) {
      await count(addressFailures[family], address);
      if (credential !== undefined) await count(credentialFailures[family], credential);
    },
    async succeeded(family, credential) {
      await credentialFailures[family].delete(digest(credential));
    },
  };
}

/**
 * Counts requests per subject in a window as RateLimiterMySQL's `consume` does (same rows, same
 * `prefix:key` names, same arithmetic), but in one autocommitted statement instead of its four
 * (BEGIN, upsert, SELECT, COMMIT): every phone call pays this, and it was the receive path's
 * biggest share of database round trips. The count comes back through LAST_INSERT_ID(expr), which
 * the server returns as the statement's insert id; the window's end is read only for an answer over
 * the limit. Given a failure counter's row, the same statement reads whether it has used up its
 * points (as RateLimiterMySQL's `get` reads it) and returns it in the insert id's lowest bit, so a
 * phone call's rate limiting costs one round trip rather than two.
 */
function requestCounter(db: Knex, dbName: string, prefix: string, points: number, windowSeconds: number) {
  const table = `\`${dbName}\`.\`${TABLE}\``;
  const usedUp = `(SELECT COUNT(*) FROM ${table} AS f WHERE f.\`key\` = ? AND (f.expire > ? OR f.expire IS NULL) AND f.points >= ?)`;
  const upsert = (
    blocked: string
  ) => `INSERT INTO ${table} (\`key\`, points, expire) VALUES (?, LAST_INSERT_ID(2 + ${blocked}) DIV 2, ?)
    ON DUPLICATE KEY UPDATE points = LAST_INSERT_ID(IF(expire <= ?, 1, points + 1) * 2 + ${blocked}) DIV 2, expire = IF(expire <= ?, ?, expire)`;
  const [counting, checking] = [upsert('0'), upsert(usedUp)];
  return async (
    subject: string,
    failures?: { key: string; points: number }
  ): Promise<number | 'blocked' | undefined> => {
    const key = `${prefix}:${subject}`;
    const now = Date.now();
    const expire = now + windowSeconds * 1000;
    const blocked = failures ? [failures.key, now, failures.points] : [];
    const [result] = (await db.raw(failures ? checking : counting, [
      key,
      ...blocked,
      expire,
      now,
      ...blocked,
      now,
      expire,
    ])) as [{ insertId: number | bigint }];
    const id = Number(result.insertId);
    const consumed = Math.floor(id / 2);
    if (consumed <= points) return id % 2 === 1 ? 'blocked' : undefined;
    const row = (await db.raw(`SELECT expire FROM ${table} WHERE \`key\` = ?`, [key])) as [
      { expire: number | string }[],
    ];
    return Math.max(1, Math.ceil((Number(row[0][0]?.expire ?? expire) - now) / 1000));
  };
}

function digest(subject: string): string {
  return createHash('sha256').update(subject, 'utf8').digest('base64url').slice(0, 32);
}

function secondsOf(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** The limiter names its table with the database; the connection's own database is the one migrated. */
function databaseOf(db: Knex): string {
  const { config } = db.client as { config: Knex.Config };
  const connection = config.connection as { database?: unknown } | undefined;
  if (typeof connection?.database !== 'string') throw new Error('the database connection names no database');
  return connection.database;
}
