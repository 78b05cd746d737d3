import { randomBytes } from 'node:crypto';
import { migrateLatest } from '@vigil/migrations';
import type { Knex } from 'knex';
import { loadConfig, type Config } from '../config.ts';
import { createDb, dropDatabase, ensureDatabase } from '../db.ts';

/**
 * Test databases live on the server the VIGIL_DB_* variables point at (the local MariaDB by
 * default), each under a unique throwaway name so runs and files never share rows.
 */
export function testDbConfig(prefix = 'vigil_test'): Config['db'] {
  const base = loadConfig(process.env).db;
  return { ...base, database: `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}` };
}

/**
 * A migrated database of the caller's own, for tests that consume shared queues: a worker in the
 * run's common database would also pick up other test files' jobs.
 */
export async function createOwnDatabase(
  prefix = 'vigil_own'
): Promise<{ db: Knex; config: Config['db']; drop(): Promise<void> }> {
  const config = testDbConfig(prefix);
  await ensureDatabase(config);
  const db = createDb(config);
  await migrateLatest(db);
  return {
    db,
    config,
    async drop() {
      await db.destroy();
      await dropDatabase(config);
    },
  };
}
