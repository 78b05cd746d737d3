import { Hono } from 'hono';
import { listen } from '../core.ts';
import type { Exchange } from './openapi.ts';

/**
 * An HTTP proxy in front of a simulator that records each exchange for the contract checks: the
 * ingest is configured with the proxy's URL, so every call it makes (OAuth, pulls, registration)
 * passes through. The target is set once the simulator is up.
 */
export type RecordingProxy = {
  readonly url: string;
  target: string;
  readonly exchanges: Exchange[];
  close(): Promise<void>;
};

export async function startRecordingProxy(): Promise<RecordingProxy> {
  const exchanges: Exchange[] = [];
  const app = new Hono();
  const proxy = { target: '', exchanges } as { target: string; exchanges: Exchange[] };
  app.all('*', async (c) => {
    const url = new URL(c.req.url);
    const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? undefined : await c.req.text();
    const headers = new Headers(c.req.raw.headers);
    headers.delete('host');
    const res = await fetch(`${proxy.target}${url.pathname}${url.search}`, { method: c.req.method, headers, body });
    const text = await res.text();

    const contentType = c.req.header('content-type') ?? '';
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    let json: unknown;
    if (body && contentType.includes('application/x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
    } else if (body && contentType.includes('json')) {
      json = JSON.parse(body);
    }
    exchanges.push({
      method: c.req.method,
      path: url.pathname,
      params,
      ...(json === undefined ? {} : { json }),
      headers: Object.fromEntries([...c.req.raw.headers].map(([k, v]) => [k.toLowerCase(), v])),
      status: res.status,
      body: text !== '' && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined,
    });
    const out = new Headers(res.headers);
    out.delete('content-encoding');
    out.delete('content-length');
    return new Response(text === '' ? null : text, { status: res.status, headers: out });
  });
  const server = await listen(app);
  return Object.assign(proxy, { url: server.url, close: server.close });
}
