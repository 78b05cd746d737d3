import { open, readFile, unlink, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOWEST = 20_000;
const reservations = join(tmpdir(), 'vigil-test-ports');

/**
 * Where the kernel's ephemeral range starts: the ports it gives the local end of outgoing
 * connections. A port probed free there can be taken by any connection (to MariaDB, between test
 * processes) before a child process listens on it, which CI once saw as EADDRINUSE.
 */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    return Math.max(LOWEST + 1_000, Number(low));
  } catch {
    return 32_768;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims `port` for this process, machine-wide, unless a live process already holds it. */
async function reserve(port: number): Promise<boolean> {
  const path = join(reservations, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(String(process.pid));
      await file.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(path, 'utf8').catch(() => ''));
      // A holder that is still writing its pid, or still running, keeps the port.
      if (!holder || alive(holder)) return false;
      await unlink(path).catch(() => undefined);
    }
  }
  return false;
}

async function listenable(port: number): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise((resolve) => server.close(resolve));
  return ok;
}

/**
 * A port for a server a test is about to start, possibly in another process. It lies below the
 * ephemeral range, so no outgoing connection takes it meanwhile, and is reserved for the life of
 * this process, so concurrent test workers never hand out the same one.
 */
export async function freePort(): Promise<number> {
  await mkdir(reservations, { recursive: true });
  const span = ephemeralStart() - LOWEST;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = LOWEST + ((start + i) % span);
    if ((await reserve(port)) && (await listenable(port))) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${LOWEST + span}`);
}
