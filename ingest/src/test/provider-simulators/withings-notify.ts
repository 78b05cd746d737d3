import type { Hono } from 'hono';
import type { SimCore } from './core.ts';
import { formOf } from './core.ts';
import type { AccessToken, Grants } from './grants.ts';
import { withingsFail, withingsOk } from './withings-oauth.ts';
import type { Context } from 'hono';

/**
 * Withings notify (wearable-apis.md §4.5; OpenAPI `notify-*`): per-user subscriptions to a
 * callback URL per `appli`, and the callback itself: a form POST of `userid`, `appli` and the
 * category's fields, a success being any status below 400 within 2 s. A revoked grant takes its
 * user's subscriptions with it (§4.1). Withings' retry schedule is not simulated: one attempt.
 */

export type WithingsSubscription = { appli: number; callbackurl: string; comment: string };

export type Delivery = { url: string; status: number; ms: number };

export type WithingsNotifier = {
  subscriptions(userId: string): WithingsSubscription[];
  /** Withings tells every callback the user subscribed for `appli` that data changed. */
  notify(userId: string, appli: number, fields?: Record<string, string>): Promise<Delivery[]>;
};

export function mountWithingsNotify(
  app: Hono,
  core: SimCore,
  grants: Grants,
  authenticate: (c: Context) => AccessToken | Response
): WithingsNotifier {
  const byUser = new Map<string, WithingsSubscription[]>();
  const live = (userId: string) => grants.grantsOf(userId).some((g) => !g.revoked);
  const subsOf = (userId: string) => {
    if (!live(userId)) byUser.delete(userId);
    return byUser.get(userId) ?? [];
  };

  app.post('/notify', async (c) => {
    const form = await formOf(c);
    const action = form.get('action') ?? '';
    core.record(`notify:${action}`);
    const fault = core.fault(c, 'notify');
    if (fault) return fault;
    const auth = authenticate(c);
    if (auth instanceof Response) return auth;
    const userId = auth.grant.userId;
    const subs = subsOf(userId);
    const appli = form.get('appli');
    const callbackurl = form.get('callbackurl');
    const appliNumber = appli === null ? undefined : Number(appli);
    if (appli !== null && !/^\d+$/.test(appli)) return withingsFail(c, 503, 'Invalid Params: appli');
    switch (action) {
      case 'subscribe': {
        if (!callbackurl || appliNumber === undefined) return withingsFail(c, 503, 'Invalid Params');
        // Duplicates are kept: the document's `update` text implies they can exist (§4.5).
        byUser.set(userId, [...subs, { appli: appliNumber, callbackurl, comment: form.get('comment') ?? '' }]);
        return withingsOk(c, {});
      }
      case 'list':
        return withingsOk(c, {
          profiles: subs.filter((s) => appliNumber === undefined || s.appli === appliNumber),
        });
      case 'get': {
        const found = subs.findLast((s) => s.callbackurl === callbackurl && s.appli === (appliNumber ?? 1));
        return found ? withingsOk(c, found) : withingsFail(c, 2554, 'Not found');
      }
      case 'revoke': {
        if (!callbackurl) return withingsFail(c, 503, 'Invalid Params');
        byUser.set(
          userId,
          subs.filter((s) => s.callbackurl !== callbackurl || (appliNumber !== undefined && s.appli !== appliNumber))
        );
        return withingsOk(c, {});
      }
      default:
        return withingsFail(c, 2554, 'Invalid Params: unknown action');
    }
  });

  return {
    subscriptions: (userId) => [...subsOf(userId)],
    async notify(userId, appli, fields = {}) {
      const urls = [
        ...new Set(
          subsOf(userId)
            .filter((s) => s.appli === appli)
            .map((s) => s.callbackurl)
        ),
      ];
      const deliveries: Delivery[] = [];
      for (const url of urls) {
        const started = performance.now();
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ userid: userId, appli: String(appli), ...fields }).toString(),
          signal: AbortSignal.timeout(2000),
        }).catch(() => undefined);
        await res?.body?.cancel();
        deliveries.push({ url, status: res?.status ?? 0, ms: Math.round(performance.now() - started) });
      }
      return deliveries;
    },
  };
}
