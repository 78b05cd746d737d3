import { z } from 'zod';
import { providerFetch } from '../../providers/http.ts';
import { polarError } from './api.ts';
import { POLAR_QUOTAS, reportRateLimits } from './get.ts';
import type { ListingDeps } from '../vendor.ts';

/**
 * Polar's pull notifications (`GET /v3/notifications`, operation `list`, Basic client auth;
 * wearable-apis.md §5.2.11): which users have new data, asked once per pass for the whole client
 * while the webhook is not active, so the scheduled pulls go to those users only.
 */

/**
 * How often the list is asked (the scheduler's cron): 96 calls a day of the app's 5,000, and a
 * listed user waits at most this long more than with the webhook.
 */
export const POLAR_LISTING_MINUTES = 15;

/**
 * `available-user-datas`. `data-type` is documented as EXERCISE, ACTIVITY_SUMMARY or
 * PHYSICAL_INFORMATION; any string is read, so a type Polar adds does not make the list unreadable.
 * `url` points at the deprecated transaction flow and is not followed: the pull reads the
 * transaction-less routes from its cursors.
 */
const Available = z.object({
  'available-user-data': z
    .array(z.object({ 'user-id': z.number().int().positive(), 'data-type': z.string(), url: z.string() }))
    .default([]),
});

export type PolarListing =
  | { readonly asked: false; readonly reason: 'no client' | 'webhook active' | 'no connection' }
  | { readonly asked: true; readonly listed: number; readonly unknown: number };

/**
 * One pass: unless Polar's webhook covers the client (notifications on and its channel active),
 * asks the list once and stamps `listed_at` on the listed users' connections, which the planner
 * pulls. A user id no active connection holds is logged and ignored.
 */
export async function markPolarListed(deps: ListingDeps, now: Date): Promise<PolarListing> {
  const { db, config } = deps;
  const client = config.wearables.polar.client;
  if (!client) return { asked: false, reason: 'no client' };
  if (config.wearablePulls.notifications.enabled) {
    const channel = (await db('wearable_notify_channels')
      .where({ provider: 'polar', covers_all: true, active: true })
      .first('provider')) as unknown;
    if (channel) return { asked: false, reason: 'webhook active' };
  }
  const connections = (await db('device_connections')
    .where({ provider: 'polar', status: 'active' })
    .whereNotNull('external_user_id')
    .select('id', 'external_user_id')) as { id: number; external_user_id: string }[];
  if (connections.length === 0) return { asked: false, reason: 'no connection' };

  const basic = Buffer.from(
    `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`
  ).toString('base64');
  const body = await deps.budgets.limited(POLAR_QUOTAS, async () => {
    const res = await providerFetch(
      'polar',
      deps.fetchFn ?? globalThis.fetch,
      `${config.wearables.polar.apiUrl}/v3/notifications`,
      {
        method: 'GET',
        headers: { authorization: `Basic ${basic}`, accept: 'application/json' },
      }
    );
    reportRateLimits(deps.budgets, res.headers);
    // "No content when no available data found."
    if (res.status === 204) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) throw await polarError(res, 'the pull notifications');
    return (await res.json()) as unknown;
  });
  const entries = body === null ? [] : Available.parse(body)['available-user-data'];

  const byUser = new Map(connections.map((c) => [c.external_user_id, c.id]));
  const listed = new Set<number>();
  const unknown = new Set<string>();
  for (const e of entries) {
    const id = byUser.get(String(e['user-id']));
    if (id === undefined) unknown.add(String(e['user-id']));
    else listed.add(id);
  }
  if (unknown.size > 0) {
    deps.log.warn({ polarUserIds: [...unknown] }, 'polar listed new data of users no active connection holds: ignored');
  }
  if (listed.size > 0) {
    await db('wearable_sync_state')
      .whereIn('connection_id', [...listed])
      .update({ listed_at: now, updated_at: now });
  }
  return { asked: true, listed: listed.size, unknown: unknown.size };
}
