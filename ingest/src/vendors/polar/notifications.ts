import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { AppDeps } from '../../app-env.ts';
import { ConflictError, UpstreamError } from '../../errors.ts';
import { setupHint } from '../../providers/registry.ts';
import { providerFetch } from '../../providers/http.ts';
import { findChannel, sameSecret, saveChannel } from '../../wearables/notifications/channels.ts';

/**
 * Polar's webhook (wearable-apis.md §5.4; AccessLink OpenAPI tag Webhooks and the webhooks
 * AsyncAPI): one per client, managed with Basic client auth; every delivery, the PING included, is
 * signed with `Polar-Webhook-Signature`, an HMAC-SHA256 of the raw body keyed with the secret that
 * only the create call ever shows.
 */

/** The data the pulls read: exercises, daily activity, continuous heart rate, sleep. */
export const POLAR_EVENTS = ['EXERCISE', 'ACTIVITY_SUMMARY', 'CONTINUOUS_HEART_RATE', 'SLEEP'] as const;

const WEBHOOK_TYPES = [
  ...POLAR_EVENTS,
  'SLEEP_WISE_CIRCADIAN_BEDTIME',
  'SLEEP_WISE_ALERTNESS',
  'PHYSICAL_INFORMATION',
] as const;

export const polarWebhookPath = '/oauth/notify/polar';

type Deps = Pick<AppDeps, 'db' | 'vault' | 'log' | 'clock' | 'config'> & { fetchFn?: typeof fetch };

const Webhooks = z.object({
  data: z
    .array(z.object({ id: z.string(), events: z.array(z.string()), url: z.string(), active: z.boolean().optional() }))
    .default([]),
});
const Created = z.object({
  data: z.object({
    id: z.string(),
    events: z.array(z.string()),
    url: z.string(),
    signature_secret_key: z.string().min(1),
  }),
});

export type PolarWebhook = { id: string; url: string; events: string[]; created: boolean };

/**
 * Makes Polar's one webhook of this client point at Vigil with the events the pulls read: kept
 * when Vigil holds its secret and it already points here (re-activated, its events set), otherwise
 * replaced (a webhook whose secret Vigil does not hold cannot be verified). Creating it makes
 * Polar ping the URL, which this ingest must already be serving.
 */
export async function ensurePolarWebhook(deps: Deps): Promise<PolarWebhook> {
  const polar = deps.config.wearables.polar;
  if (!polar.client) throw new ConflictError(setupHint('polar'));
  const fetchFn = deps.fetchFn ?? globalThis.fetch;
  const basic = Buffer.from(
    `${encodeURIComponent(polar.client.clientId)}:${encodeURIComponent(polar.client.clientSecret)}`
  ).toString('base64');
  const call = (method: string, path: string, json?: unknown) =>
    providerFetch('polar', fetchFn, `${polar.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Basic ${basic}`,
        accept: 'application/json',
        ...(json !== undefined && { 'content-type': 'application/json' }),
      },
      ...(json !== undefined && { body: JSON.stringify(json) }),
    });
  const fail = async (res: Response, what: string) => {
    const text = (await res.text()).slice(0, 300);
    return new UpstreamError(`Polar answered HTTP ${res.status} to ${what}${text ? `: ${text}` : ''}`);
  };
  const url = `${deps.config.publicUrl}${polarWebhookPath}`;
  const events = [...POLAR_EVENTS];

  const listed = await call('GET', '/v3/webhooks');
  if (!listed.ok) throw await fail(listed, 'listing webhooks');
  const current = Webhooks.parse(await listed.json()).data[0];
  const channel = await findChannel(deps.db, deps.vault, 'polar');
  const now = deps.clock();

  if (current && channel?.remoteId === current.id && current.url === url) {
    if ([...current.events].sort().join() !== [...events].sort().join()) {
      const patched = await call('PATCH', `/v3/webhooks/${encodeURIComponent(current.id)}`, { events });
      if (!patched.ok) throw await fail(patched, 'updating the webhook');
      await patched.body?.cancel();
    }
    if (current.active === false) {
      const activated = await call('POST', '/v3/webhooks/activate');
      // 204: "Webhook does not exist and it cannot be activated."
      if (activated.status !== 200) throw await fail(activated, 'activating the webhook');
      await activated.body?.cancel();
    }
    await saveChannel(deps.db, deps.vault, { ...channel, active: true }, now);
    return { id: current.id, url, events, created: false };
  }
  if (current) {
    const deleted = await call('DELETE', `/v3/webhooks/${encodeURIComponent(current.id)}`);
    if (!deleted.ok && deleted.status !== 404) throw await fail(deleted, 'deleting the old webhook');
    await deleted.body?.cancel();
  }
  const created = await call('POST', '/v3/webhooks', { events, url });
  if (created.status !== 201) throw await fail(created, 'creating the webhook');
  const { data } = Created.parse(await created.json());
  await saveChannel(
    deps.db,
    deps.vault,
    { provider: 'polar', secret: data.signature_secret_key, remoteId: data.id, url, coversAll: true, active: true },
    now
  );
  deps.log.info({ webhookId: data.id, url, events }, 'polar webhook created');
  return { id: data.id, url, events, created: true };
}

/**
 * Whether `signature` is the body's HMAC-SHA256 under `secret`. Neither Polar document says how the
 * digest is written (§5.4, unverified): hex and base64 are both accepted, each compared in constant time.
 */
export function polarSignatureValid(secret: string, rawBody: string, signature: string): boolean {
  const mac = createHmac('sha256', secret).update(rawBody).digest();
  const given = signature.trim();
  // Both comparisons always run, so the time taken does not say which encoding matched.
  const hex = sameSecret(given.toLowerCase(), mac.toString('hex'));
  const base64 = sameSecret(given, mac.toString('base64'));
  return hex || base64;
}

/** A webhook delivery (AsyncAPI `components.schemas`); `PING` carries only `event` and `timestamp`. */
export const PolarEvent = z.discriminatedUnion('event', [
  z.object({ event: z.literal('PING'), timestamp: z.string() }),
  z.object({
    event: z.enum(WEBHOOK_TYPES),
    user_id: z.number().int().positive(),
    timestamp: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time, e.g. 2022-10-02T14:22:24Z' }),
    url: z.string().optional(),
    entity_id: z.string().optional(),
    date: z.string().optional(),
    from: z.string().optional(),
    to: z.string().optional(),
  }),
]);
