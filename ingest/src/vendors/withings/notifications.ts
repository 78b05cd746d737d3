import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps } from '../../app-env.ts';
import { withAccessToken } from '../../connections/access.ts';
import { findConnection } from '../../connections/store.ts';
import { withingsCall } from './api.ts';
import { findChannel, newChannelSecret, saveChannel, type Channel } from '../../wearables/notifications/channels.ts';

/**
 * Withings notify (wearable-apis.md §4.5): each user is subscribed per `appli` to a callback URL
 * carrying a secret path part (Withings signs nothing it sends, so knowing the URL is what makes a
 * notification authentic), and unsubscribed on disconnect.
 */

/**
 * The categories whose data the pulls read: 1 weight and body composition, 2 temperature (both
 * verified against Withings' category pages), 4 blood pressure, heart rate and SpO2, 16 activity,
 * 44 sleep (from the earlier notify table, not re-verified; §4.5).
 */
export const WITHINGS_APPLIS = [1, 2, 4, 16, 44] as const;

/**
 * The scopes each category's data needs (wearable-apis.md §4.5); sleep asks both, as the documents
 * disagree on which. A connection is subscribed to the categories its grant covers: a study that
 * does not collect a category's measurements does not ask for its scope, and Withings would refuse.
 */
const APPLI_SCOPES: Readonly<Record<(typeof WITHINGS_APPLIS)[number], readonly string[]>> = {
  1: ['user.metrics'],
  2: ['user.metrics'],
  4: ['user.metrics'],
  16: ['user.activity'],
  44: ['user.activity', 'user.sleepevents'],
};

async function grantedApplis(db: Knex, connectionId: number): Promise<number[]> {
  const connection = await findConnection(db, connectionId);
  const granted = connection?.scopesGranted ?? connection?.scopesRequested ?? [];
  return WITHINGS_APPLIS.filter((a) => APPLI_SCOPES[a].every((s) => granted.includes(s)));
}

type Deps = Pick<AppDeps, 'db' | 'vault' | 'log' | 'clock' | 'config'> & { fetchFn?: typeof fetch };

export const withingsCallbackPath = '/oauth/notify/withings';

/** The callback URL every subscription names, its secret made on first use. */
export async function withingsChannel(deps: Deps): Promise<Channel> {
  const urlOf = (secret: string) => `${deps.config.publicUrl}${withingsCallbackPath}/${secret}`;
  const existing = await findChannel(deps.db, deps.vault, 'withings');
  // A new public URL keeps the secret; users subscribed at the old URL are subscribed again on reconnect.
  if (existing?.url === urlOf(existing?.secret ?? '')) return existing;
  const secret = existing?.secret ?? newChannelSecret();
  const channel: Channel = {
    provider: 'withings',
    secret,
    remoteId: null,
    url: urlOf(secret),
    coversAll: false,
    active: true,
  };
  await saveChannel(deps.db, deps.vault, channel, deps.clock(), existing ? 'keep-secret' : 'if-absent');
  // Two processes making one at once: the first saved secret wins, and both use it.
  const saved = (await findChannel(deps.db, deps.vault, 'withings')) ?? channel;
  return { ...saved, url: urlOf(saved.secret) };
}

const Profiles = z.object({
  profiles: z.array(z.object({ appli: z.coerce.number(), callbackurl: z.string() })).default([]),
});

/**
 * Subscribes the connection's Withings user to every category the pulls read, through `list` first
 * (duplicate subscriptions may exist at Withings, §4.5), and records the subscription. A failure is
 * logged and leaves the connection polled as before.
 */
export async function subscribeWithings(deps: Deps, connectionId: number, requestId: string): Promise<boolean> {
  const fetchFn = deps.fetchFn ?? globalThis.fetch;
  const api = `${deps.config.wearables.withings.apiUrl}/notify`;
  try {
    const channel = await withingsChannel(deps);
    const applis = await grantedApplis(deps.db, connectionId);
    await withAccessToken(deps, connectionId, async (token) => {
      const listed = Profiles.parse(await withingsCall(fetchFn, api, { action: 'list' }, token));
      const have = new Set(listed.profiles.filter((p) => p.callbackurl === channel.url).map((p) => p.appli));
      for (const appli of applis.filter((a) => !have.has(a))) {
        await withingsCall(
          fetchFn,
          api,
          { action: 'subscribe', callbackurl: channel.url, appli: String(appli), comment: 'Vigil' },
          token
        );
      }
    });
    const now = deps.clock();
    const fields = { callback_url: channel.url, applis: applis.join(','), subscribed_at: now };
    await deps
      .db('wearable_notify_subscriptions')
      .insert({ connection_id: connectionId, ...fields })
      .onConflict('connection_id')
      .merge(fields);
    deps.log.info({ requestId, connectionId, applis }, 'withings notifications subscribed');
    return true;
  } catch (err) {
    deps.log.warn(
      { requestId, connectionId, err: err instanceof Error ? err.message : String(err) },
      'withings notifications not subscribed; the connection is polled'
    );
    return false;
  }
}

/**
 * Revokes the connection's subscriptions with the token it still holds (the disconnect holds the
 * connection's row, so no refresh). Best effort: Withings' own revoke of the grant, which follows,
 * removes every subscription of the user too (§4.1).
 */
export async function unsubscribeWithings(
  deps: Deps & { db: Knex },
  connectionId: number,
  accessToken: string
): Promise<void> {
  const row = (await deps.db('wearable_notify_subscriptions').where({ connection_id: connectionId }).first()) as
    { callback_url: string; applis: string } | undefined;
  if (!row) return;
  const fetchFn = deps.fetchFn ?? globalThis.fetch;
  try {
    for (const appli of row.applis.split(',')) {
      await withingsCall(
        fetchFn,
        `${deps.config.wearables.withings.apiUrl}/notify`,
        { action: 'revoke', callbackurl: row.callback_url, appli },
        accessToken
      );
    }
  } catch (err) {
    deps.log.warn(
      { connectionId, err: err instanceof Error ? err.message : String(err) },
      'withings notifications not revoked; the grant revocation removes them'
    );
  }
  await deps.db('wearable_notify_subscriptions').where({ connection_id: connectionId }).delete();
}

const unix = z.coerce.number().int().nonnegative();

/** The callback's form fields (§4.5); which arrive depends on the category. */
export const WithingsNotification = z.object({
  userid: z.string().regex(/^\d{1,20}$/, 'expected a Withings user id (digits)'),
  appli: z.string().regex(/^\d{1,4}$/, 'expected an appli number'),
  startdate: unix.optional(),
  enddate: unix.optional(),
  date: z.string().max(32).optional(),
  deviceid: z.string().max(128).optional(),
  action: z.string().max(32).optional(),
});
export type WithingsNotification = z.infer<typeof WithingsNotification>;

/** What makes one Withings notification itself: Withings gives it no id, so its every field. */
export const withingsIdentity = (n: WithingsNotification) =>
  [n.userid, n.appli, n.startdate, n.enddate, n.date, n.deviceid, n.action].map((v) => v ?? '').join('|');
