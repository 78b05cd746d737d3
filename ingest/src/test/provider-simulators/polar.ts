import type { Context } from 'hono';
import { Hono } from 'hono';
import type { QuotaStats, SimClock, SimCore, Simulator } from './core.ts';
import {
  basicAuthOf,
  bearerOf,
  createCore,
  createWindow,
  formOf,
  htmlError,
  listen,
  newUserId,
  randomHex,
} from './core.ts';
import type { AccessToken, Consent, Grants } from './grants.ts';
import { createGrants } from './grants.ts';
import { mountPolarWebhooks, type PolarWebhooks } from './polar-webhooks.ts';

/**
 * Polar AccessLink v3 on one loopback server (its flow, polarremote and accesslink hosts): Basic
 * client auth, long-lived tokens and no refresh token, user registration (409 on a repeat, 403
 * while consents are missing), deregistration that revokes the token, and the per-app
 * `RateLimit-*` windows with 429 (wearable-apis.md §5). Data routes are added through `extend`.
 */

export type PolarSimOptions = {
  clock?: SimClock;
  clientId?: string;
  clientSecret?: string;
  /** Polar's `expires_in` is unverified ("about one year") and may be absent (§5.1): null leaves it out. */
  expiresInSeconds?: number | null;
  shortWindowLimit?: number;
  longWindowLimit?: number;
  /**
   * Calls each registered user adds to the windows: Polar's quota is recalled as 500 + 20 × users
   * per 15 minutes and 5000 + 100 × users per day (§5.4, unverified), so pass 20 and 100 for that.
   */
  shortWindowPerUser?: number;
  longWindowPerUser?: number;
  /** Every answer waits this long (benches: a realistic provider). */
  latencyMs?: number;
  extend?: (app: Hono, api: PolarApiContext) => void;
};

export type PolarApiContext = {
  core: SimCore;
  grants: Grants;
  /** Checks the token, consents and quota: the token, or the answer to send. */
  authenticate(c: Context): AccessToken | Response;
  /**
   * Checks Basic client auth and the quota (client calls counted in the app's windows: assumed,
   * neither document says): null, or the answer to send.
   */
  authenticateClient(c: Context): Response | null;
  /**
   * Polar serves "only data uploaded to Flow after the user has been registered to your client",
   * so a user never registered has none; what a data call for such a user answers is not
   * documented, so the data routes answer as for a user with no data.
   */
  isRegistered(userId: string): boolean;
};

export type PolarSimulator = Simulator & {
  clientId: string;
  clientSecret: string;
  consent(consent: Consent): void;
  /** While set, every data call for the user answers 403 (consents not accepted at account.polar.com). */
  setConsentsMissing(userId: string, missing: boolean): void;
  isRegistered(userId: string): boolean;
  grants: Grants;
  /** What the app's two windows saw. */
  quotas(): { short: QuotaStats; long: QuotaStats };
  env(): Record<string, string>;
  /** The client's one webhook, and Polar calling it. */
  webhooks: PolarWebhooks;
};

const SHORT_WINDOW_MS = 15 * 60_000;
const LONG_WINDOW_MS = 24 * 3600_000;

export async function startPolarSimulator(options: PolarSimOptions = {}): Promise<PolarSimulator> {
  const core = createCore(options.clock);
  const clientId = options.clientId ?? randomHex(16);
  const clientSecret = core.remember(options.clientSecret ?? randomHex(16));
  const grants = createGrants(core, () => newUserId('numeric'));
  const registered = new Map<string, string>();
  const consentsMissing = new Set<string>();
  const short = createWindow(
    core.clock,
    SHORT_WINDOW_MS,
    () => (options.shortWindowLimit ?? 500) + (options.shortWindowPerUser ?? 0) * registered.size
  );
  const long = createWindow(
    core.clock,
    LONG_WINDOW_MS,
    () => (options.longWindowLimit ?? 5000) + (options.longWindowPerUser ?? 0) * registered.size
  );
  // "About one year" (wearable-apis.md §5.1, unverified): long enough to hide nothing a clinic meets.
  const expiresIn = options.expiresInSeconds === undefined ? 365 * 86_400 : options.expiresInSeconds;
  const app = new Hono();

  /** Counts the call in both windows and says so in the headers: false once either is spent. */
  const withinQuota = (c: Context): boolean => {
    const s = short.hit('app');
    const l = long.hit('app');
    c.header('RateLimit-Usage', `${s.used},${l.used}`);
    c.header('RateLimit-Limit', `${s.limit},${l.limit}`);
    c.header('RateLimit-Reset', `${s.resetSeconds},${l.resetSeconds}`);
    return s.allowed && l.allowed;
  };
  const authenticateClient = (c: Context): Response | null => {
    if (!withinQuota(c)) return c.body(null, 429);
    const basic = basicAuthOf(c);
    return basic?.id === clientId && basic.secret === clientSecret ? null : c.body(null, 401);
  };
  const authenticate = (c: Context): AccessToken | Response => {
    if (!withinQuota(c)) return c.body(null, 429);
    const check = grants.checkAccess(bearerOf(c));
    if (!check.ok) return c.body(null, 401);
    const userId = check.token.grant.userId;
    if (consentsMissing.has(userId)) return c.body(null, 403);
    return check.token;
  };

  app.get('/oauth2/authorization', (c) => {
    core.record('authorize');
    const fault = core.fault(c, 'authorize');
    if (fault) return fault;
    const q = new URL(c.req.url).searchParams;
    const redirectUri = q.get('redirect_uri');
    if (q.get('client_id') !== clientId || q.get('response_type') !== 'code' || !redirectUri) {
      return htmlError(c, 400, 'Invalid request');
    }
    const consent = grants.nextConsent();
    const back = new URL(redirectUri);
    if (consent.deny) back.searchParams.set('error', 'access_denied');
    else {
      const code = grants.issueCode(
        {
          clientId,
          redirectUri,
          scopes: ['accesslink.read_all'],
          userId: consent.user,
          challenge: null,
          offline: false,
        },
        600,
        randomHex(16)
      );
      back.searchParams.set('code', code);
    }
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    return c.redirect(back.toString(), 302);
  });

  app.post('/v2/oauth2/token', async (c) => {
    const form = await formOf(c);
    core.record(`token:${form.get('grant_type') ?? ''}`);
    const fault = core.fault(c, 'token');
    if (fault) return fault;
    const client = basicAuthOf(c);
    if (!client || client.id !== clientId || client.secret !== clientSecret) {
      return c.json({ error: 'invalid_client', error_description: 'Bad client credentials' }, 401);
    }
    if (form.get('grant_type') !== 'authorization_code') return c.json({ error: 'unsupported_grant_type' }, 400);
    const code = grants.takeCode(form.get('code') ?? '');
    if (typeof code === 'string' || code.redirectUri !== form.get('redirect_uri')) {
      return c.json({ error: 'invalid_grant', error_description: 'Invalid authorization code' }, 400);
    }
    const grant = grants.createGrant(code.userId, clientId, code.scopes);
    const access = grants.issueAccess(grant, expiresIn, randomHex(16));
    return c.json({
      access_token: access.token,
      token_type: 'bearer',
      ...(expiresIn !== null && { expires_in: expiresIn }),
      x_user_id: Number(grant.userId),
    });
  });

  app.post('/v3/users', async (c) => {
    core.record('register');
    const fault = core.fault(c, 'register');
    if (fault) return fault;
    const auth = authenticate(c);
    if (auth instanceof Response) return auth;
    const body = (await c.req.json().catch(() => ({}))) as { 'member-id'?: unknown };
    const memberId = typeof body['member-id'] === 'string' ? body['member-id'] : '';
    if (memberId === '') return c.body(null, 400);
    const userId = auth.grant.userId;
    if (registered.has(userId) || [...registered.values()].includes(memberId)) return c.body(null, 409);
    registered.set(userId, memberId);
    return c.json(userJson(userId, memberId, core.clock()));
  });

  // Numeric ids only, so data routes such as /v3/users/activities are not taken for a user.
  app.get('/v3/users/:id{[0-9]+}', (c) => {
    core.record('user');
    const fault = core.fault(c, 'api');
    if (fault) return fault;
    const auth = authenticate(c);
    if (auth instanceof Response) return auth;
    if (c.req.param('id') !== auth.grant.userId) return c.body(null, 403);
    const memberId = registered.get(auth.grant.userId);
    // getUserInformation: "No content when user with given userId is not found."
    return memberId === undefined ? c.body(null, 204) : c.json(userJson(auth.grant.userId, memberId, core.clock()));
  });

  // Deregistration is Polar's revocation: the user's data and our token go with it.
  app.delete('/v3/users/:id', (c) => {
    core.record('deregister');
    const fault = core.fault(c, 'revoke');
    if (fault) return fault;
    const auth = authenticate(c);
    if (auth instanceof Response) return auth;
    if (c.req.param('id') !== auth.grant.userId) return c.body(null, 403);
    registered.delete(auth.grant.userId);
    grants.revokeUser(auth.grant.userId);
    return c.body(null, 204);
  });

  const webhooks = mountPolarWebhooks(app, core, { clientId, clientSecret });
  options.extend?.(app, {
    core,
    grants,
    authenticate,
    authenticateClient,
    isRegistered: (userId) => registered.has(userId),
  });
  const server = await listen(app, options.latencyMs);
  return {
    ...core.simulator(server.url, () => server.close()),
    clientId,
    clientSecret,
    grants,
    consent: (consent) => grants.queueConsent(consent),
    setConsentsMissing: (userId, missing) =>
      void (missing ? consentsMissing.add(userId) : consentsMissing.delete(userId)),
    isRegistered: (userId) => registered.has(userId),
    quotas: () => ({ short: short.stats(), long: long.stats() }),
    webhooks,
    env: () => ({
      VIGIL_POLAR_CLIENT_ID: clientId,
      VIGIL_POLAR_CLIENT_SECRET: clientSecret,
      VIGIL_POLAR_AUTH_URL: `${server.url}/oauth2/authorization`,
      VIGIL_POLAR_TOKEN_URL: `${server.url}/v2/oauth2/token`,
      VIGIL_POLAR_API_URL: server.url,
    }),
  };
}

const userJson = (userId: string, memberId: string, now: Date) => ({
  'polar-user-id': Number(userId),
  'member-id': memberId,
  'registration-date': now.toISOString(),
  'first-name': 'Sim',
  'last-name': 'User',
  'extra-info': [],
});
