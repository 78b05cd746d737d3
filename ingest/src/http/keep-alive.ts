/**
 * How long the ingest keeps an idle keep-alive connection. Node's default (5 s) races clients that
 * reuse a connection just as it closes (the request then fails with EPIPE); phones keep theirs
 * longer, so the server does too. A proxy in front must let its idle connections go sooner:
 * deploy/Caddyfile does at 55 s, and a test holds the two together.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
