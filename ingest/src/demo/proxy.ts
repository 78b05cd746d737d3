import { serve } from '@hono/node-server';
import type { ProviderId } from '../providers/provider.ts';
import { PROVIDERS, type Simulators } from './wearables.ts';

/** Hop-by-hop and length headers: fetch recomputes them, and forwarding them would corrupt the body. */
const DROPPED = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'content-encoding',
  'keep-alive',
]);

const copyHeaders = (from: Headers) => {
  const out = new Headers();
  for (const [k, v] of from) if (!DROPPED.has(k)) out.set(k, v);
  return out;
};

async function listen(port: number, target: string): Promise<() => Promise<void>> {
  const server = serve({
    hostname: '127.0.0.1',
    port,
    fetch: async (req) => {
      const url = new URL(req.url);
      const res = await fetch(`${target}${url.pathname}${url.search}`, {
        method: req.method,
        headers: copyHeaders(req.headers),
        ...(req.method !== 'GET' && req.method !== 'HEAD' && { body: await req.arrayBuffer() }),
        redirect: 'manual',
      });
      return new Response(res.body, { status: res.status, headers: copyHeaders(res.headers) });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is in use (choose others with --sim-port)`) : err)
    );
  });
  return () =>
    new Promise<void>((resolve) => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      server.close(() => resolve());
    });
}

const portOf = (firstPort: number, provider: ProviderId) => firstPort + PROVIDERS.indexOf(provider);

/** The ingest's configuration for the simulators behind the forwarders of `startProxies`. */
export function proxyEnv(firstPort: number, sims: Simulators): Record<string, string> {
  const env: Record<string, string> = {};
  for (const provider of PROVIDERS) {
    const sim = sims[provider];
    for (const [k, v] of Object.entries(sim.env())) {
      env[k] = v.replace(sim.url, `http://127.0.0.1:${portOf(firstPort, provider)}`);
    }
  }
  return env;
}

/**
 * The simulators listen on ports the OS picks; these forwarders give them fixed ones (`firstPort`
 * and the next two), so that the environment the ingest was started with stays valid across demo
 * runs.
 */
export async function startProxies(firstPort: number, sims: Simulators): Promise<{ close(): Promise<void> }> {
  const closers: (() => Promise<void>)[] = [];
  try {
    for (const provider of PROVIDERS) closers.push(await listen(portOf(firstPort, provider), sims[provider].url));
  } catch (err) {
    await Promise.all(closers.map((c) => c()));
    throw err;
  }
  return { close: async () => void (await Promise.all(closers.map((c) => c()))) };
}
