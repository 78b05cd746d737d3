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
  /** Counts one request from this address. */
  request(family: RequestFamily, address: string): Promise<number | undefined>;
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
  const requests = {
    phone: limiter('requests-phone', limits.phoneRequests, limits.requestWindowSeconds),
    public: limiter('requests-public', limits.publicRequests, limits.requestWindowSeconds),
  };
  const byFamily = (kind: string, points: number) =>
    Object.fromEntries(
      families.map((f) => [f, limiter(`${kind}-${f}`, points, limits.failureWindowSeconds)])
    ) as Record<Family, RateLimiterMySQL>;
  const addressFailures = byFamily('address-failures', limits.addressFailures);
  const credentialFailures = byFamily('credential-failures', limits.credentialFailures);

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
    async request(family, address) {
      try {
        await requests[family].consume(digest(address));
        return undefined;
      } catch (err) {
        if (err instanceof RateLimiterRes) return secondsOf(err);
        throw err;
      }
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
