import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase } from './db.ts';
import { testDbConfig } from './test/test-db.ts';

const ingestDir = join(import.meta.dirname, '..');
const tsx = join(ingestDir, '..', 'node_modules', '.bin', 'tsx');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

type Started = { child: ChildProcess; port: number; output: () => string; exited: Promise<number | null> };

/** Runs the ingest exactly as `npm start` does (tsx src/main.ts), in its own environment. */
async function startIngest(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const child = spawn(tsx, ['src/main.ts'], {
    cwd: ingestDir,
    env: { PATH: process.env.PATH ?? '', VIGIL_HTTP_HOST: '127.0.0.1', VIGIL_HTTP_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, port, output: () => output, exited };
}

async function waitReady(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (res?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`ingest on ${port} not ready after ${timeoutMs} ms`);
}

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
    const env = {
      VIGIL_DB_HOST: db.host,
      VIGIL_DB_PORT: String(db.port),
      VIGIL_DB_USER: db.user,
      VIGIL_DB_PASSWORD: db.password,
      VIGIL_DB_NAME: db.database,
      VIGIL_DATA_DIR: dataDir,
    };
    const processes = await Promise.all([startIngest(env), startIngest(env)]);
    try {
      await Promise.all(processes.map((p) => waitReady(p.port)));
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${processes.map((p) => p.output()).join('\n---\n')}`);
    }

    // Both share the generated development secrets, and the secret works against the admin API.
    const secret = (await readFile(join(dataDir, 'admin-secret'), 'utf8')).trim();
    const res = await fetch(`http://127.0.0.1:${processes[1].port}/api/v1/studies`, {
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

  it('refuses to start in production without a master key, naming every missing key', async () => {
    const p = await startIngest({ NODE_ENV: 'production', VIGIL_DB_PORT: 'x' });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('VIGIL_MASTER_KEY: required when NODE_ENV=production');
    expect(p.output()).toContain('VIGIL_ADMIN_SECRET: required when NODE_ENV=production');
    expect(p.output()).toContain('VIGIL_DB_PORT');
  });
});
