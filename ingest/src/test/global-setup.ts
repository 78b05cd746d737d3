import { migrateLatest } from '@vigil/migrations';
import type { TestProject } from 'vitest/node';
import { createDb, dropDatabase, ensureDatabase } from '../db.ts';
import { testDbConfig } from './test-db.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: string;
  }
}

/** One migrated throwaway database for the `db` project; every test inserts and asserts only on its own rows. */
export default async function setup(project: TestProject) {
  const config = testDbConfig();
  await ensureDatabase(config);
  const db = createDb(config);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  project.provide('testDatabase', config.database);
  return async () => {
    await dropDatabase(config);
  };
}
