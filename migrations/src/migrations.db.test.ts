import { describe, expect, it } from 'vitest';
import { createDb, dropDatabase, ensureDatabase } from '../../ingest/src/db.ts';
import { testDbConfig } from '../../ingest/src/test/test-db.ts';
import { migrateLatest, pendingMigrations, rollbackAll } from './migrate.ts';
import { migrations } from './migrations/index.ts';

describe('migrations on a real MariaDB', () => {
  it('latest → rollback all → latest on an empty database', async () => {
    const config = testDbConfig('vigil_migrations');
    await ensureDatabase(config);
    const db = createDb(config);
    const tables = async () =>
      ((await db('information_schema.tables').where({ table_schema: config.database }).pluck('table_name')) as string[])
        .filter((t) => !t.startsWith('knex_'))
        .sort();
    const procedures = async () =>
      (
        (await db('information_schema.routines')
          .where({ routine_schema: config.database })
          .pluck('routine_name')) as string[]
      ).sort();
    try {
      expect(await migrateLatest(db)).toEqual(migrations.map((m) => m.name));
      expect(await pendingMigrations(db)).toEqual([]);
      const created = await tables();
      expect(created).toEqual(
        expect.arrayContaining(['studies', 'participants', 'audit_log', 'uploads', 'upload_jobs', 'accelerometer'])
      );
      expect(created.length).toBeGreaterThan(20);
      expect(await procedures()).toEqual(['receive_upload', 'record_upload_attempt', 'store_upload']);

      expect(await rollbackAll(db)).toEqual(migrations.map((m) => m.name).reverse());
      expect(await tables()).toEqual([]);
      expect(await procedures()).toEqual([]);
      expect(await pendingMigrations(db)).toEqual(migrations.map((m) => m.name));

      expect(await migrateLatest(db)).toHaveLength(migrations.length);
      expect(await migrateLatest(db)).toEqual([]);
      expect(await procedures()).toEqual(['receive_upload', 'record_upload_attempt', 'store_upload']);

      const [charset] = (await db('information_schema.tables')
        .where({ table_schema: config.database, table_name: 'participants' })
        .pluck('table_collation')) as string[];
      expect(charset).toBe('utf8mb4_unicode_ci');
    } finally {
      await db.destroy();
      await dropDatabase(config);
    }
  });

  it('concurrent migrators on one database both succeed, and each migration runs once (knex lock)', async () => {
    const config = testDbConfig('vigil_migrations');
    await ensureDatabase(config);
    const migrators = [createDb(config), createDb(config), createDb(config)] as const;
    const [a] = migrators;
    try {
      const results = await Promise.all(migrators.map((db) => migrateLatest(db)));
      expect(results.flat().sort()).toEqual(migrations.map((m) => m.name).sort());
      expect(await pendingMigrations(a)).toEqual([]);
    } finally {
      await Promise.all(migrators.map((db) => db.destroy()));
      await dropDatabase(config);
    }
  });

  it('a lock left by a migrator that crashed, or doubled by a race, does not block the next start', async () => {
    const config = testDbConfig('vigil_migrations');
    await ensureDatabase(config);
    const db = createDb(config);
    try {
      await migrateLatest(db);
      await db('knex_migrations_lock').update({ is_locked: 1 });
      await db('knex_migrations_lock').insert({ is_locked: 1 });
      expect(await migrateLatest(db)).toEqual([]);
      expect(await db('knex_migrations_lock').select('is_locked')).toEqual([{ is_locked: 0 }]);
    } finally {
      await db.destroy();
      await dropDatabase(config);
    }
  });
});
