import { createHmac, randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { SimCore } from './core.ts';
import { basicAuthOf, randomHex } from './core.ts';

/**
 * Polar's webhook (AccessLink OpenAPI tag Webhooks; webhooks AsyncAPI): one per client, Basic
 * client auth, a PING the URL must answer 200 before a create, URL change or activation succeeds,
 * the signature secret shown only by the create call, and signed deliveries. Not stated by either
 * document, so chosen here: the digest is sent as hex (the ingest also takes base64), and a
 * delivery is tried once (Polar only says a webhook failing for seven days is deactivated).
 */

export const WEBHOOK_TYPES = [
  'EXERCISE',
  'SLEEP',
  'CONTINUOUS_HEART_RATE',
  'SLEEP_WISE_CIRCADIAN_BEDTIME',
  'SLEEP_WISE_ALERTNESS',
  'ACTIVITY_SUMMARY',
  'PHYSICAL_INFORMATION',
] as const;

type Webhook = { id: string; events: string[]; url: string; active: boolean; secret: string };

export type PolarWebhooks = {
  /** The client's webhook as Polar holds it (the secret included), or null. */
  current(): Webhook | null;
  /**
   * Polar tells the webhook about new data (AsyncAPI payloads: `user_id`, `timestamp`, `url` and the
   * event's fields) when it is active and subscribed to the event: the ingest's status, or null when nothing was sent.
   */
  notify(event: { event: string; user_id: number } & Record<string, unknown>): Promise<number | null>;
  /** Sends `body` to the webhook URL as given, signed with `secret` (or not at all): forged and replayed copies. */
  send(body: string, signature: string | null): Promise<number>;
  sign(secret: string, body: string): string;
  /** Every body Polar sent (PINGs included), in order: for the AsyncAPI payload checks. */
  readonly delivered: readonly string[];
};

export function mountPolarWebhooks(
  app: Hono,
  core: SimCore,
  client: { clientId: string; clientSecret: string }
): PolarWebhooks {
  let webhook: Webhook | null = null;
  const delivered: string[] = [];
  const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
  const post = async (url: string, body: string, signature: string | null) => {
    delivered.push(body);
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature !== null && { 'polar-webhook-signature': signature }),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    await res?.body?.cancel();
    return res?.status ?? 0;
  };
  /** "The ping message must be answered with 200 OK"; the PING is signed too, with the key about to be issued. */
  const ping = async (url: string, secret: string) => {
    const body = JSON.stringify({
      event: 'PING',
      timestamp: core
        .clock()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
    });
    return (await post(url, body, sign(secret, body))) === 200;
  };
  const error = (c: Context, status: 400 | 404 | 409, message: string) =>
    c.json(
      { timestamp: core.clock().toISOString(), status, errorType: 'WebhookError', message, corrId: randomUUID() },
      status
    );
  const authorised = (c: Context) => {
    const basic = basicAuthOf(c);
    return basic?.id === client.clientId && basic.secret === client.clientSecret;
  };
  const validEvents = (events: unknown): events is string[] =>
    Array.isArray(events) &&
    events.length > 0 &&
    events.every((e) => typeof e === 'string' && (WEBHOOK_TYPES as readonly string[]).includes(e));
  const info = (w: Webhook) => ({ id: w.id, events: w.events, url: w.url, active: w.active });

  app.post('/v3/webhooks', async (c) => {
    core.record('webhook:create');
    if (!authorised(c)) return c.body(null, 401);
    const body = (await c.req.json().catch(() => ({}))) as { events?: unknown; url?: unknown };
    if (webhook) return error(c, 409, 'Webhook already exists');
    if (!validEvents(body.events) || typeof body.url !== 'string') return error(c, 400, 'Webhook cannot be created');
    const secret = core.remember(randomUUID());
    if (!(await ping(body.url, secret)))
      return error(c, 400, 'Webhook cannot be created: the ping was not answered 200');
    webhook = { id: randomHex(3), events: body.events, url: body.url, active: true, secret };
    return c.json(
      { data: { id: webhook.id, events: webhook.events, url: webhook.url, signature_secret_key: secret } },
      201
    );
  });

  app.get('/v3/webhooks', (c) => {
    core.record('webhook:get');
    if (!authorised(c)) return c.body(null, 401);
    return c.json({ data: webhook ? [info(webhook)] : [] });
  });

  app.patch('/v3/webhooks/:id', async (c) => {
    core.record('webhook:update');
    if (!authorised(c)) return c.body(null, 401);
    if (!webhook || webhook.id !== c.req.param('id')) return error(c, 404, 'Webhook not found');
    const body = (await c.req.json().catch(() => ({}))) as { events?: unknown; url?: unknown };
    if (body.events !== undefined && !validEvents(body.events)) return error(c, 400, 'Webhook cannot be updated');
    if (body.url !== undefined) {
      if (typeof body.url !== 'string' || !(await ping(body.url, webhook.secret))) {
        return error(c, 400, 'Webhook cannot be updated');
      }
      webhook.url = body.url;
    }
    if (body.events !== undefined) webhook.events = body.events;
    return c.json({ data: [info(webhook)] });
  });

  app.delete('/v3/webhooks/:id', (c) => {
    core.record('webhook:delete');
    if (!authorised(c)) return c.body(null, 401);
    if (!webhook || webhook.id !== c.req.param('id')) return error(c, 404, 'Webhook not found');
    webhook = null;
    return c.body(null, 204);
  });

  app.post('/v3/webhooks/activate', async (c) => {
    core.record('webhook:activate');
    if (!authorised(c)) return c.body(null, 401);
    if (!webhook) return c.body(null, 204);
    if (!(await ping(webhook.url, webhook.secret))) return error(c, 400, 'Webhook cannot be activated');
    webhook.active = true;
    return c.body(null, 200);
  });

  app.post('/v3/webhooks/deactivate', (c) => {
    core.record('webhook:deactivate');
    if (!authorised(c)) return c.body(null, 401);
    if (!webhook) return c.body(null, 204);
    webhook.active = false;
    return c.body(null, 200);
  });

  return {
    current: () => webhook && { ...webhook },
    async notify(event) {
      if (!webhook?.active || !webhook.events.includes(event.event)) return null;
      const body = JSON.stringify({
        timestamp: core
          .clock()
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        ...event,
      });
      return post(webhook.url, body, sign(webhook.secret, body));
    },
    send: async (body, signature) => {
      if (!webhook) throw new Error('no webhook to send to');
      return post(webhook.url, body, signature);
    },
    sign,
    delivered,
  };
}
