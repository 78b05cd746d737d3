import type { Context } from 'hono';
import { Hono } from 'hono';
import type { QuotaStats, SimClock, SimCore, Simulator } from './core.ts';
import { bearerOf, createCore, createWindow, formOf, listen, newUserId, randomHex } from './core.ts';
import type { AccessToken, Consent, Grants } from './grants.ts';
import { createGrants } from './grants.ts';
import { mountWithingsNotify, type WithingsNotifier } from './withings-notify.ts';
import { mountWithingsOAuth, withingsFail, withingsOk } from './withings-oauth.ts';

/**
 * Withings on one loopback server (its account and wbsapi hosts). Every API answer is HTTP 200
 * with a body `status`: 401 for a bad or expired token, 601 when the application's 120 calls per
 * minute are used up (wearable-apis.md §4.3, §4.5). Data services are added through `extend`,
 * dispatched on `action` like the real ones.
 */

export type WithingsSimOptions = {
  clock?: SimClock;
  clientId?: string;
  clientSecret?: string;
  codeTtlSeconds?: number;
  accessTtlSeconds?: number;
  useridAsString?: boolean;
  perAppPerMinute?: number;
  /** Every answer waits this long (benches: a realistic provider). */
  latencyMs?: number;
  extend?: (app: Hono, api: WithingsApiContext) => void;
  /** The user's devices (getdevice); one Body Cardio scale seen an hour ago by default. */
  devices?: (userId: string) => readonly unknown[] | undefined;
};

export type WithingsApiContext = {
  core: SimCore;
  grants: Grants;
  /** Checks the Bearer token and the app quota: the token, or the `{status}` answer to send. */
  authenticate(c: Context): AccessToken | Response;
};

export type WithingsSimulator = Simulator & {
  clientId: string;
  clientSecret: string;
  consent(consent: Consent): void;
  /** The patient removes the app in their Withings account. */
  revokeUser(userId: string): void;
  grants: Grants;
  /** What the app-wide quota saw (every call counts, the OAuth ones too). */
  quotas(): { app: QuotaStats };
  env(): Record<string, string>;
  /** Notify subscriptions, and Withings calling them. */
  notifications: WithingsNotifier;
};

export async function startWithingsSimulator(options: WithingsSimOptions = {}): Promise<WithingsSimulator> {
  const core = createCore(options.clock);
  const clientId = options.clientId ?? randomHex(32);
  const clientSecret = core.remember(options.clientSecret ?? randomHex(32));
  const grants = createGrants(core, () => newUserId('numeric'));
  const perApp = createWindow(core.clock, 60_000, options.perAppPerMinute ?? 120);
  const app = new Hono();

  const overQuota = (c: Context) => (perApp.hit('app').allowed ? undefined : withingsFail(c, 601, 'Too Many Requests'));

  const authenticate = (c: Context): AccessToken | Response => {
    const limited = overQuota(c);
    if (limited) return limited;
    const check = grants.checkAccess(bearerOf(c));
    if (!check.ok) {
      return withingsFail(c, 401, 'XRequestID: Not provided invalid_token: The access token provided is invalid');
    }
    // First use of a rotated access token retires the refresh token it replaced.
    if (!check.token.used && check.token.replaces) check.token.replaces.dead = true;
    check.token.used = true;
    return check.token;
  };

  mountWithingsOAuth(
    app,
    core,
    grants,
    {
      clientId,
      clientSecret,
      codeTtlSeconds: options.codeTtlSeconds ?? 30,
      accessTtlSeconds: options.accessTtlSeconds ?? 10_800,
      useridAsString: options.useridAsString ?? false,
    },
    overQuota
  );

  app.post('/v2/user', async (c) => {
    const action = (await formOf(c)).get('action');
    core.record(`user:${action ?? ''}`);
    const fault = core.fault(c, 'api');
    if (fault) return fault;
    const auth = authenticate(c);
    if (auth instanceof Response) return auth;
    if (action !== 'getdevice') return withingsFail(c, 2554, 'Invalid Params: unknown action');
    const custom = options.devices?.(auth.grant.userId);
    if (custom) return withingsOk(c, { devices: custom });
    return withingsOk(c, {
      devices: [
        {
          type: 'Scale',
          model: 'Body Cardio',
          model_id: 6,
          battery: 'medium',
          deviceid: `dev-${auth.grant.userId}`,
          hash_deviceid: `dev-${auth.grant.userId}`,
          timezone: 'Europe/Paris',
          first_session_date: 1_763_000_000,
          last_session_date: Math.floor(core.clock().getTime() / 1000) - 3600,
        },
      ],
    });
  });

  const notifications = mountWithingsNotify(app, core, grants, authenticate);
  options.extend?.(app, { core, grants, authenticate });
  const server = await listen(app, options.latencyMs);
  return {
    ...core.simulator(server.url, () => server.close()),
    clientId,
    clientSecret,
    grants,
    consent: (consent) => grants.queueConsent(consent),
    revokeUser: (userId) => grants.revokeUser(userId),
    quotas: () => ({ app: perApp.stats() }),
    notifications,
    env: () => ({
      VIGIL_WITHINGS_CLIENT_ID: clientId,
      VIGIL_WITHINGS_CLIENT_SECRET: clientSecret,
      VIGIL_WITHINGS_AUTH_URL: `${server.url}/oauth2_user/authorize2`,
      VIGIL_WITHINGS_API_URL: server.url,
    }),
  };
}
