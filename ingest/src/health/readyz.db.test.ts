import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, onTestFinished } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { createDb, dropDatabase, ensureDatabase } from '../db.ts';
import { test, testDeps } from '../test/fixtures.ts';
import { testDbConfig } from '../test/test-db.ts';

const execFileAsync = promisify(execFile);

async function archiveDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-readyz-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function readyz(app: ReturnType<typeof createApp>) {
  const started = performance.now();
  const res = await app.request('/readyz');
  return { status: res.status, body: (await res.json()) as unknown, ms: performance.now() - started };
}

describe('/readyz reports the archive', () => {
  test('ready while the archive takes a durable write, leaving nothing behind', async ({ db, clock, vault }) => {
    const dir = await archiveDir();
    const app = createApp(testDeps({ db, clock, vault, archiveStore: createLocalArchiveStore(dir) }));
    expect(await readyz(app)).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(await readdir(dir)).toEqual([]);
  });

  test('not ready when the archive disk is (nearly) full', async ({ db, clock, vault }) => {
    const dir = await archiveDir();
    const store = createLocalArchiveStore(dir, { minFreeBytes: Number.MAX_SAFE_INTEGER });
    const app = createApp(testDeps({ db, clock, vault, archiveStore: store }));
    const { status, body, ms } = await readyz(app);
    expect(ms).toBeLessThan(1_000);
    expect(status).toBe(503);
    expect(body).toEqual({
      status: 'not ready',
      reasons: [expect.stringMatching(/^archive unhealthy: archive disk has \d+ MB free, under the \d+ MB minimum$/)],
    });
  });

  test('not ready when the archive cannot be written', async ({ db, clock, vault }) => {
    const dir = await archiveDir();
    // Root ignores permissions, so for root the folder is made immutable instead.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await execFileAsync('chattr', ['+i', dir]);
    else await chmod(dir, 0o500);
    onTestFinished(async () => {
      if (asRoot) await execFileAsync('chattr', ['-i', dir]);
      else await chmod(dir, 0o700);
    });
    const app = createApp(testDeps({ db, clock, vault, archiveStore: createLocalArchiveStore(dir) }));
    const { status, body } = await readyz(app);
    expect(status).toBe(503);
    expect(body).toEqual({
      status: 'not ready',
      reasons: [expect.stringMatching(/^archive unhealthy: archive is not writable: (EPERM|EACCES|EROFS)$/)],
    });
  });
});

describe('/readyz reports the schema', () => {
  test('not ready while migrations are pending', async ({ clock, vault }) => {
    const config = testDbConfig('vigil_unmigrated');
    await ensureDatabase(config);
    const db = createDb(config);
    onTestFinished(async () => {
      await db.destroy();
      await dropDatabase(config);
    });
    const app = createApp(testDeps({ db, clock, vault, archiveStore: createLocalArchiveStore(await archiveDir()) }));
    const { status, body } = await readyz(app);
    expect(status).toBe(503);
    expect(body).toEqual({
      status: 'not ready',
      reasons: [expect.stringMatching(/^migrations pending: \d+_create_studies, /)],
    });
  });
});
