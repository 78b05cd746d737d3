import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Context, Hono } from 'hono';

/**
 * What every provider simulator shares: a real HTTP server on 127.0.0.1 (port 0), an injectable
 * clock, a log of calls for assertions ("exactly one refresh"), queued faults, fixed-window rate
 * counters and small request helpers. Test tooling only: never imported by production code.
 */

export type SimClock = () => Date;

export type Fault = { status: number; body?: string; contentType?: string; headers?: Record<string, string> };

export type Simulator = {
  readonly url: string;
  close(): Promise<void>;
  /** How many times a route was called (e.g. `token:refresh_token`), from the start or a reset. */
  count(route: string): number;
  /** Every call recorded so far, in order. */
  readonly calls: readonly { route: string; at: Date }[];
  /** The next call to `route` answers with `fault` instead (queued: several in a row are allowed). */
  failNext(route: string, fault: Fault): void;
  /** Every token, code and secret this simulator issued or knows: a log scan looks for them. */
  secrets(): string[];
};

export type SimCore = {
  clock: SimClock;
  record(route: string): void;
  /** Answers with a queued fault for the route, if any. */
  fault(c: Context, route: string): Response | undefined;
  remember(secret: string): string;
  simulator(url: string, close: () => Promise<void>): Simulator;
};

export function createCore(clock: SimClock = () => new Date()): SimCore {
  const calls: { route: string; at: Date }[] = [];
  const faults = new Map<string, Fault[]>();
  const issued = new Set<string>();
  return {
    clock,
    record: (route) => void calls.push({ route, at: clock() }),
    fault(c, route) {
      const fault = faults.get(route)?.shift();
      if (!fault) return undefined;
      return c.body(fault.body ?? '', fault.status as 200, {
        'content-type': fault.contentType ?? 'text/plain',
        ...fault.headers,
      });
    },
    remember(secret) {
      issued.add(secret);
      return secret;
    },
    simulator: (url, close) => ({
      url,
      close,
      calls,
      count: (route) => calls.filter((call) => call.route === route).length,
      failNext(route, fault) {
        faults.set(route, [...(faults.get(route) ?? []), fault]);
      },
      secrets: () => [...issued],
    }),
  };
}

/** Serves the app on 127.0.0.1 with an OS-chosen port, answering each request after `latencyMs` (benches). */
export async function listen(app: Hono, latencyMs = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const handle =
    latencyMs > 0
      ? async (req: Request) => {
          await new Promise((resolve) => setTimeout(resolve, latencyMs));
          return app.fetch(req);
        }
      : app.fetch;
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: handle, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A provider user id for a new simulated account: digits (Withings, Polar) or letters and digits (Google). */
export const newUserId = (kind: 'numeric' | 'google') =>
  kind === 'numeric' ? String(1_000_000 + (randomBytes(4).readUInt32BE() % 900_000_000)) : `hu-${randomHex(10)}`;
export const randomUrlSafe = (bytes: number) => randomBytes(bytes).toString('base64url');

/** Form fields from the body (and the query, which Google's revoke also accepts). */
export async function formOf(c: Context): Promise<URLSearchParams> {
  const params = new URLSearchParams(new URL(c.req.url).search);
  const body = await c.req.text();
  for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  return params;
}

export function bearerOf(c: Context): string | null {
  const header = c.req.header('authorization') ?? '';
  return header.startsWith('Bearer ') ? header.slice('Bearer '.length) : null;
}

export function basicAuthOf(c: Context): { id: string; secret: string } | null {
  const header = c.req.header('authorization') ?? '';
  if (!header.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString();
  const at = decoded.indexOf(':');
  if (at < 0) return null;
  return { id: decodeURIComponent(decoded.slice(0, at)), secret: decodeURIComponent(decoded.slice(at + 1)) };
}

/**
 * A fixed-window counter: `limit` calls per `windowMs` per key. It remembers the busiest window any
 * key saw and how many calls it turned away, so a test can assert a quota was never exceeded.
 */
export function createWindow(clock: SimClock, windowMs: number, limit: number | (() => number)) {
  const windows = new Map<string, { start: number; used: number }>();
  const limitNow = typeof limit === 'number' ? () => limit : limit;
  const seen = { peak: 0, rejected: 0 };
  return {
    hit(key: string): { allowed: boolean; used: number; limit: number; resetSeconds: number } {
      const now = clock().getTime();
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) windows.set(key, (w = { start: now - (now % windowMs), used: 0 }));
      w.used += 1;
      const resetSeconds = Math.ceil((w.start + windowMs - now) / 1000);
      const max = limitNow();
      const allowed = w.used <= max;
      if (allowed) seen.peak = Math.max(seen.peak, w.used);
      else seen.rejected += 1;
      return { allowed, used: w.used, limit: max, resetSeconds };
    },
    /** The most calls admitted in one window of one key, the limit now, and the calls refused. */
    stats: (): QuotaStats => ({ limit: limitNow(), windowMs, peak: seen.peak, rejected: seen.rejected }),
  };
}

export type QuotaStats = { limit: number; windowMs: number; peak: number; rejected: number };

export const htmlError = (c: Context, status: 400 | 401 | 404, text: string) =>
  c.html(`<!doctype html><title>Error</title><h1>${text}</h1>`, status);
