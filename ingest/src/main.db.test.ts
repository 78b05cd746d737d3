import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase } from './db.ts';
import { dbEnv, startIngest, waitReady } from './test/ingest-process.ts';
import { testDbConfig } from './test/test-db.ts';

describe('the ingest process (npm start)', () => {
  const db = testDbConfig('vigil_main');
  const dirs: string[] = [];
  afterAll(async () => {
    await dropDatabase(db);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('two processes starting at once on a missing database both become ready, and stop cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'vigil-main-'));
    dirs.push(dataDir);
    const env = dbEnv(db, dataDir);
    const processes = await Promise.all([startIngest(env), startIngest(env)]);
    await Promise.all(processes.map((p) => waitReady(p)));

    // Both share the generated development secrets, and the secret works against the admin API.
    const secret = (await readFile(join(dataDir, 'admin-secret'), 'utf8')).trim();
    const res = await fetch(`${processes[1]!.url}/api/v1/studies`, {
      headers: { 'x-vigil-secret': secret, 'x-grafana-context': JSON.stringify({ Login: 'a', OrgRole: 'Viewer' }) },
    });
    expect(res.status).toBe(200);
    // Exactly one of them generated the development key; the other read it.
    const outputs = processes.map((p) => p.output()).join('\n');
    expect(outputs.match(/generated a development master key/g)).toHaveLength(1);
    expect(outputs.match(/using the development master key/g)).toHaveLength(1);

    for (const p of processes) p.child.kill('SIGTERM');
    expect(await Promise.all(processes.map((p) => p.exited))).toEqual([0, 0]);
    for (const p of processes) expect(p.output()).toContain('"msg":"stopped"');
  });

  it('sweeps the archive temp files a killed process left, and only those, before serving', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'vigil-main-'));
    dirs.push(dataDir);
    const folder = join(dataDir, 'archive', 'study-1', 'abcd1234', 'accel');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, '1700000000000.csv.aa'), 'an object');
    await writeFile(join(folder, '.tmp-killed'), 'half a write');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(folder, '.tmp-killed'), hourAgo, hourAgo);
    // Just written: another process's write in flight. Its time is set from the clock the ingest
    // reads, as the killed one's is: the kernel stamps files with its own, which differs under faketime.
    await writeFile(join(folder, '.tmp-in-flight'), 'being written');
    const justNow = new Date(Date.now() - 1_000);
    await utimes(join(folder, '.tmp-in-flight'), justNow, justNow);

    const p = await startIngest(dbEnv(db, dataDir));
    try {
      await waitReady(p);
      expect((await readdir(folder)).sort()).toEqual(['.tmp-in-flight', '1700000000000.csv.aa']);
      expect(p.output()).toMatch(/"swept":1,.*"msg":"archive temp files left by a crash removed"/);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });

  it('refuses to start in production without a master key, naming every missing key', async () => {
    const p = await startIngest({ NODE_ENV: 'production', VIGIL_DB_PORT: 'x' });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('VIGIL_MASTER_KEY: required when NODE_ENV=production');
    expect(p.output()).toContain('VIGIL_ADMIN_SECRET: required when NODE_ENV=production');
    expect(p.output()).toContain('VIGIL_DB_PORT');
  });
});
