import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/**
 * The address a request came from, for rate limits. Behind a proxy (Caddy) every socket is the
 * proxy's, so with `trustProxy` the last X-Forwarded-For entry, the one the proxy itself added,
 * is the client; earlier entries are whatever the client claimed and are never believed.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').pop()?.trim();
    if (forwarded) return forwarded;
  }
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // Requests handed to the app in-process (tests, tools) have no socket.
  return incoming?.socket.remoteAddress ?? 'in-process';
}
