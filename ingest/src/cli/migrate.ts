import { migrateLatest } from '@vigil/migrations';
import { loadConfig, ConfigError } from '../config.ts';
import { createDb, ensureDatabase } from '../db.ts';
import { createLogger } from '../log.ts';

/** `npm run migrate`: create the database if needed and migrate it to the latest schema. */
async function main() {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  await ensureDatabase(config.db);
  // A migration may rewrite a large table: no query timeout.
  const db = createDb(config.db, { queryTimeoutMs: 0 });
  try {
    const applied = await migrateLatest(db);
    log.info({ database: config.db.database, applied }, applied.length ? 'migrated' : 'schema already current');
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
