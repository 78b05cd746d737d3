import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { GENEROUS_LIMITS } from './generous-limits.ts';
import { freePort } from './ports.ts';

const ingestDir = join(import.meta.dirname, '..', '..');

export type IngestProcess = {
  child: ChildProcess;
  port: number;
  url: string;
  /** Where this process serves Prometheus `/metrics`. */
  metricsUrl: string;
  output: () => string;
  exited: Promise<number | null>;
};

/** The settings that point an ingest at a database and a data folder. */
export function dbEnv(db: Config['db'], dataDir: string): Record<string, string> {
  return {
    VIGIL_DB_HOST: db.host,
    VIGIL_DB_PORT: String(db.port),
    VIGIL_DB_USER: db.user,
    VIGIL_DB_PASSWORD: db.password,
    VIGIL_DB_NAME: db.database,
    VIGIL_DATA_DIR: dataDir,
  };
}

/**
 * The variables that put this process on a shifted clock (`faketime`, libfaketime's LD_PRELOAD), so
 * that the processes a test starts keep the test's time, as processes on one machine share its clock.
 */
export function clockEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        e[1] !== undefined && (e[0].startsWith('FAKETIME') || (e[0] === 'LD_PRELOAD' && e[1].includes('faketime')))
    )
  );
}

/** This process's environment without the shifted clock, for programs that cannot run under libfaketime. */
export function envOnMachineClock(): Record<string, string | undefined> {
  const shifted = clockEnv();
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !(name in shifted)));
}

/**
 * Runs the ingest exactly as `npm start` does (`node --import tsx src/main.ts`: one process, so a
 * signal reaches the service itself), with only the given environment, the test's clock, and
 * generous rate limits unless it gives others.
 */
export async function startIngest(
  env: Record<string, string>,
  port?: number,
  /** Node's own options (e.g. `--cpu-prof`, which NODE_OPTIONS does not take). */
  nodeArgs: readonly string[] = []
): Promise<IngestProcess> {
  const listenOn = port ?? (await freePort());
  const metricsPort = env.VIGIL_METRICS_PORT ?? String(await freePort());
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: ingestDir,
    env: {
      PATH: process.env.PATH ?? '',
      ...clockEnv(),
      VIGIL_HTTP_HOST: '127.0.0.1',
      VIGIL_HTTP_PORT: String(listenOn),
      VIGIL_METRICS_PORT: metricsPort,
      ...GENEROUS_LIMITS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    port: listenOn,
    url: `http://127.0.0.1:${listenOn}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    output: () => output,
    exited,
  };
}

export async function waitReady(ingest: IngestProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${ingest.url}/readyz`).catch(() => undefined);
    if (res?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`ingest on ${ingest.port} not ready after ${timeoutMs} ms\n${ingest.output()}`);
}
