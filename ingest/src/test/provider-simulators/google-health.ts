import type { Context } from 'hono';
import { Hono } from 'hono';
import type { QuotaStats, SimClock, SimCore, Simulator } from './core.ts';
import { bearerOf, createCore, createWindow, listen, newUserId, randomHex } from './core.ts';
import type { AccessToken, Consent, Grants } from './grants.ts';
import { createGrants } from './grants.ts';
import { mountGoogleOAuth } from './google-oauth.ts';
import { mountGoogleWebhooks, type GoogleWebhooks } from './google-webhooks.ts';

/**
 * The Google Health API (Fitbit's successor) and Google OAuth on one loopback server, plus the
 * retired Fitbit Web API under `/fitbit-web-api`, which answers every call with 410 Gone.
 * Data endpoints are added next to `identity` through `extend`, with the same authentication,
 * quotas and error envelope (google-health-api.md §1.6, §4, §7).
 */

const SCOPE_PREFIX = 'https://www.googleapis.com/auth/googlehealth.';

export type GoogleHealthSimOptions = {
  clock?: SimClock;
  clientId?: string;
  clientSecret?: string;
  accessTtlSeconds?: number;
  /** "Testing" publishing status: refresh tokens die after 7 days. */
  testingMode?: boolean;
  refreshReturnsRefreshToken?: boolean;
  perUserPerMinute?: number;
  /** Every answer waits this long (benches: a realistic provider). */
  latencyMs?: number;
  perProjectPerMinute?: number;
  /** Sent with 429s when set; Google does not document the header (§8.2). */
  retryAfterSeconds?: number | null;
  extend?: (app: Hono, api: GoogleApiContext) => void;
  /** The account's paired devices (the `pairedDevices` list); one Charge 6 synced an hour ago by default. */
  pairedDevices?: (healthUserId: string) => readonly unknown[] | undefined;
};

export type GoogleApiContext = {
  core: SimCore;
  grants: Grants;
  /** Checks the Bearer token, quotas and (optionally) a scope: the token, or the error to answer. */
  authenticate(c: Context, requiredScope?: string): AccessToken | Response;
  error(c: Context, code: number, status: string, reason: string, message: string): Response;
};

export type GoogleHealthSimulator = Simulator & {
  clientId: string;
  clientSecret: string;
  consent(consent: Consent): void;
  addUser(healthUserId: string, legacyUserId?: string): void;
  /** The patient removes the app's access in their Google account. */
  revokeUser(healthUserId: string): void;
  grants: Grants;
  /** What the quotas saw: the busiest minute of any one user, of the project, and calls refused. */
  quotas(): { perUser: QuotaStats; perProject: QuotaStats };
  /** The ingest's configuration keys pointing at this simulator. */
  env(): Record<string, string>;
  /** Subscribers (webhooks), and Google calling them. */
  webhooks: GoogleWebhooks;
};

export async function startGoogleHealthSimulator(options: GoogleHealthSimOptions = {}): Promise<GoogleHealthSimulator> {
  const core = createCore(options.clock);
  const clientId = options.clientId ?? `${randomHex(6)}.apps.googleusercontent.com`;
  const clientSecret = core.remember(options.clientSecret ?? `GOCSPX-${randomHex(12)}`);
  const grants = createGrants(core, () => newUserId('google'));
  const users = new Map<string, string | undefined>();
  const perUser = createWindow(core.clock, 60_000, options.perUserPerMinute ?? 300);
  const perProject = createWindow(core.clock, 60_000, options.perProjectPerMinute ?? 120_000);
  const app = new Hono();

  const error = (c: Context, code: number, status: string, reason: string, message: string) => {
    const retryAfter: Record<string, string> =
      code === 429 && options.retryAfterSeconds != null ? { 'retry-after': String(options.retryAfterSeconds) } : {};
    const details: unknown[] = [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason,
        domain: 'googleapis.com',
        metadata: { service: 'health.googleapis.com' },
      },
    ];
    if (code === 429)
      details.push({
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [{ subject: 'health.googleapis.com', description: message }],
      });
    return c.json({ error: { code, message, status, details } }, code as 401, retryAfter);
  };

  const authenticate = (c: Context, requiredScope?: string): AccessToken | Response => {
    const token = bearerOf(c);
    if (token === null) {
      return error(
        c,
        401,
        'UNAUTHENTICATED',
        'CREDENTIALS_MISSING',
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.'
      );
    }
    const check = grants.checkAccess(token);
    if (!check.ok) {
      return error(
        c,
        401,
        'UNAUTHENTICATED',
        'ACCESS_TOKEN_EXPIRED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'
      );
    }
    const user = perUser.hit(check.token.grant.userId);
    const project = perProject.hit('project');
    if (!user.allowed || !project.allowed) {
      return error(
        c,
        429,
        'RESOURCE_EXHAUSTED',
        'RATE_LIMIT_EXCEEDED',
        `Quota exceeded for quota metric 'Requests' and limit '${user.allowed ? 'Requests per minute' : 'Requests per minute per user'}'.`
      );
    }
    if (requiredScope !== undefined && !check.token.grant.scopes.includes(requiredScope)) {
      return error(
        c,
        403,
        'PERMISSION_DENIED',
        'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
        'Request had insufficient authentication scopes.'
      );
    }
    return check.token;
  };

  mountGoogleOAuth(app, core, grants, {
    clientId,
    clientSecret,
    accessTtlSeconds: options.accessTtlSeconds ?? 3599,
    testingMode: options.testingMode ?? false,
    refreshReturnsRefreshToken: options.refreshReturnsRefreshToken ?? false,
  });

  app.get('/v4/users/me/identity', (c) => {
    core.record('identity');
    const fault = core.fault(c, 'identity');
    if (fault) return fault;
    const auth = authenticate(c);
    if (auth instanceof Response) return auth;
    const healthUserId = auth.grant.userId;
    if (!users.has(healthUserId)) users.set(healthUserId, randomHex(3).toUpperCase());
    const legacyUserId = users.get(healthUserId);
    return c.json({ name: 'users/me/identity', healthUserId, ...(legacyUserId && { legacyUserId }) });
  });

  // Needs settings.readonly; an account without devices answers `{}` (proto3 drops the empty list, §2).
  app.get('/v4/users/me/pairedDevices', (c) => {
    core.record('pairedDevices');
    const fault = core.fault(c, 'api');
    if (fault) return fault;
    const auth = authenticate(c, `${SCOPE_PREFIX}settings.readonly`);
    if (auth instanceof Response) return auth;
    const custom = options.pairedDevices?.(auth.grant.userId);
    if (custom) return c.json(custom.length === 0 ? {} : { pairedDevices: custom });
    const lastSyncTime = new Date(core.clock().getTime() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return c.json({
      pairedDevices: [
        {
          name: 'users/me/pairedDevices/1234567',
          deviceType: 'TRACKER',
          deviceVersion: 'Charge 6',
          batteryStatus: 'Medium',
          batteryLevel: 54,
          lastSyncTime,
          features: ['STEPS', 'HEART_RATE', 'SPO2', 'SMART_SLEEP'],
        },
      ],
    });
  });

  app.all('/fitbit-web-api/*', (c) => {
    core.record('legacy');
    return c.json(
      {
        errors: [{ errorType: 'gone', message: 'The Fitbit Web API has been shut down. Use the Google Health API.' }],
        success: false,
      },
      410
    );
  });

  const webhooks = mountGoogleWebhooks(app, core, grants, error);
  options.extend?.(app, { core, grants, authenticate, error });
  const server = await listen(app, options.latencyMs);
  return {
    ...core.simulator(server.url, () => server.close()),
    clientId,
    clientSecret,
    grants,
    consent: (consent) => grants.queueConsent(consent),
    addUser: (id, legacy) => void users.set(id, legacy),
    revokeUser: (userId) => grants.revokeUser(userId),
    quotas: () => ({ perUser: perUser.stats(), perProject: perProject.stats() }),
    webhooks,
    env: () => ({
      VIGIL_FITBIT_CLIENT_ID: clientId,
      VIGIL_FITBIT_CLIENT_SECRET: clientSecret,
      VIGIL_FITBIT_AUTH_URL: `${server.url}/o/oauth2/v2/auth`,
      VIGIL_FITBIT_TOKEN_URL: `${server.url}/token`,
      VIGIL_FITBIT_REVOKE_URL: `${server.url}/revoke`,
      VIGIL_FITBIT_API_URL: server.url,
      VIGIL_FITBIT_LEGACY_API_URL: `${server.url}/fitbit-web-api`,
      VIGIL_FITBIT_WEBHOOK_KEYS_URL: `${server.url}/webhooks_public_keyset.json`,
    }),
  };
}
