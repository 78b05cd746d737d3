import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, dropDatabase } from '../db.ts';
import { clockEnv, startIngest, waitReady, type IngestProcess } from '../test/ingest-process.ts';
import { freePort } from '../test/ports.ts';
import { testDbConfig } from '../test/test-db.ts';

const ingestDir = join(import.meta.dirname, '..', '..');

/** `npm run demo`'s script, with only PATH, the test's clock and `env`: its output and exit code. */
function runDemo(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/cli.ts', ...args], {
    cwd: ingestDir,
    env: { PATH: process.env.PATH ?? '', ...clockEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** Three free ports in a row for the simulators' forwarders. */
async function freeRun(): Promise<number> {
  for (;;) {
    const first = await freePort();
    if (first < 65_000 && (await isFree(first + 1)) && (await isFree(first + 2))) return first;
  }
}

describe('npm run demo', () => {
  const db = testDbConfig('vigil_demo');
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
    await dropDatabase(db);
  });

  it(
    'fills a running ingest with synthetic phones and wearables through its HTTP APIs',
    { timeout: 240_000 },
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'vigil-demo-'));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const simPort = await freeRun();
      const printed = await runDemo(['--print-env', '--sim-port', String(simPort)]);
      expect(printed.code).toBe(0);
      const simEnv = Object.fromEntries(
        printed.output
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
      );
      expect(simEnv.VIGIL_FITBIT_API_URL).toBe(`http://127.0.0.1:${simPort}`);

      const port = await freePort();
      const ingest: IngestProcess = await startIngest(
        {
          VIGIL_DB_HOST: db.host,
          VIGIL_DB_PORT: String(db.port),
          VIGIL_DB_USER: db.user,
          VIGIL_DB_PASSWORD: db.password,
          VIGIL_DB_NAME: db.database,
          VIGIL_DATA_DIR: dataDir,
          VIGIL_PUBLIC_URL: `http://127.0.0.1:${port}`,
          ...simEnv,
        },
        port
      );
      cleanup.push(async () => {
        ingest.child.kill('SIGTERM');
        await ingest.exited;
      });
      await waitReady(ingest, 60_000);

      const secret = (await readFile(join(dataDir, 'admin-secret'), 'utf8')).trim();
      const run = await runDemo(
        [
          '--server',
          ingest.url,
          '--participants',
          '4',
          '--days',
          '2',
          '--phone-hours',
          '1',
          '--sim-port',
          String(simPort),
        ],
        { VIGIL_ADMIN_SECRET: secret }
      );
      expect(run.output).toContain('SYNTHETIC DEMO DATA');
      expect(run.code, run.output).toBe(0);

      const knex = createDb(db);
      cleanup.push(() => knex.destroy());
      const [study] = (await knex('studies').select('id', 'name', 'description')) as {
        id: number;
        name: string;
        description: string;
      }[];
      expect(study?.name).toMatch(/synthetic data/);
      const count = async (table: string) => Number(((await knex(table).count({ n: '*' })) as { n: number }[])[0]?.n);
      expect(await count('participants')).toBe(4);
      expect(await count('beiwe_heartbeats')).toBeGreaterThan(0);
      for (const table of [
        'accelerometer',
        'motion_minutes',
        'data_quantity',
        'heart_rate',
        'steps',
        'sleep_stages',
        'body_measurements',
      ]) {
        expect(await count(table), table).toBeGreaterThan(0);
      }
      const statuses = (await knex('device_connections').select('provider', 'status')) as {
        provider: string;
        status: string;
      }[];
      expect(statuses.filter((s) => s.status === 'needs_reauth')).toEqual([
        { provider: 'fitbit', status: 'needs_reauth' },
      ]);
    }
  );

  it('refuses without an ingest to fill, before creating anything', async () => {
    const port = await freePort();
    const run = await runDemo([
      '--server',
      `http://127.0.0.1:${port}`,
      '--admin-secret',
      'x'.repeat(40),
      '--sim-port',
      String(await freeRun()),
    ]);
    expect(run.code).toBe(1);
    expect(run.output).toContain(`no ready ingest at http://127.0.0.1:${port}`);
  });
});
