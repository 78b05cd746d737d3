import { createHmac } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { SimCore } from './core.ts';
import { formOf, htmlError, randomHex } from './core.ts';
import type { Grants } from './grants.ts';

/**
 * Withings' OAuth (wearable-apis.md §4.1, §4.7): authorize2 with a required `state` and 30-second
 * codes; `/v2/oauth2` with `action=requesttoken` for code and refresh (always HTTP 200 with
 * `{status, body}`; a new refresh token on every refresh, the old one valid until the new access
 * token is first used or 8 hours pass) and `action=revoke`, signed with a nonce from
 * `/v2/signature`.
 */

export type WithingsOAuthOptions = {
  clientId: string;
  clientSecret: string;
  codeTtlSeconds: number;
  accessTtlSeconds: number;
  /** Whether the token response's `userid` is an integer (the spec) or a string (some examples). */
  useridAsString: boolean;
};

const EIGHT_HOURS = 8 * 3600;
const ONE_YEAR = 365 * 86_400;
const NONCE_TTL_MS = 30 * 60_000;

export const withingsOk = (c: Context, body: unknown) => c.json({ status: 0, body });
export const withingsFail = (c: Context, status: number, error: string) => c.json({ status, body: {}, error });

export function signWithings(secret: string, signed: Record<string, string>): string {
  const values = Object.keys(signed)
    .sort()
    .map((k) => signed[k])
    .join(',');
  return createHmac('sha256', secret).update(values).digest('hex');
}

export function mountWithingsOAuth(
  app: Hono,
  core: SimCore,
  grants: Grants,
  options: WithingsOAuthOptions,
  overQuota: (c: Context) => Response | undefined
) {
  const nonces = new Map<string, number>();
  const now = () => core.clock().getTime();

  app.get('/oauth2_user/authorize2', (c) => {
    core.record('authorize');
    const fault = core.fault(c, 'authorize');
    if (fault) return fault;
    const q = new URL(c.req.url).searchParams;
    const redirectUri = q.get('redirect_uri');
    const state = q.get('state');
    if (q.get('client_id') !== options.clientId) return htmlError(c, 400, 'Invalid client_id');
    if (!redirectUri || !state || q.get('response_type') !== 'code') return htmlError(c, 400, 'Invalid Params');
    const consent = grants.nextConsent();
    const back = new URL(redirectUri);
    if (consent.deny) {
      back.searchParams.set('error', 'access_denied');
    } else {
      const requested = (q.get('scope') ?? '').split(',').filter((s) => s !== '');
      const scopes = requested.filter((s) => !consent.scopes || consent.scopes.includes(s));
      const code = grants.issueCode(
        { clientId: options.clientId, redirectUri, scopes, userId: consent.user, challenge: null, offline: true },
        options.codeTtlSeconds,
        randomHex(20)
      );
      back.searchParams.set('code', code);
    }
    back.searchParams.set('state', state);
    return c.redirect(back.toString(), 302);
  });

  app.post('/v2/oauth2', async (c) => {
    const form = await formOf(c);
    const action = form.get('action');
    const grantType = form.get('grant_type') ?? '';
    core.record(action === 'requesttoken' ? `token:${grantType}` : `oauth2:${action ?? ''}`);
    const fault = core.fault(c, action === 'revoke' ? 'revoke' : 'token');
    if (fault) return fault;
    const limited = overQuota(c);
    if (limited) return limited;
    if (form.get('client_id') !== options.clientId) return withingsFail(c, 503, 'Invalid Params: invalid client_id');
    if (action === 'revoke') return revoke(c, form);
    if (action !== 'requesttoken') return withingsFail(c, 2554, 'Invalid Params: unknown action');
    if (form.get('client_secret') !== options.clientSecret)
      return withingsFail(c, 503, 'Invalid Params: invalid client_secret');

    if (grantType === 'authorization_code') {
      const code = grants.takeCode(form.get('code') ?? '');
      if (typeof code === 'string' || code.redirectUri !== form.get('redirect_uri')) {
        return withingsFail(c, 503, 'Invalid Params: invalid code');
      }
      return tokens(c, grants.createGrant(code.userId, code.clientId, code.scopes), null);
    }
    if (grantType === 'refresh_token') {
      const check = grants.checkRefresh(form.get('refresh_token'));
      if (!check.ok) return withingsFail(c, 503, 'Invalid Params: invalid refresh_token');
      const old = check.token;
      old.validUntil = Math.min(old.validUntil ?? Infinity, now() + EIGHT_HOURS * 1000);
      return tokens(c, old.grant, old);
    }
    return withingsFail(c, 503, 'Invalid Params: invalid grant_type');
  });

  function tokens(
    c: Context,
    grant: ReturnType<Grants['createGrant']>,
    replaces: Parameters<Grants['issueAccess']>[3]
  ) {
    const access = grants.issueAccess(grant, options.accessTtlSeconds, randomHex(20), replaces);
    const refresh = grants.issueRefresh(grant, randomHex(20), ONE_YEAR);
    const userid = options.useridAsString ? grant.userId : Number(grant.userId);
    return withingsOk(c, {
      userid,
      access_token: access.token,
      refresh_token: refresh.token,
      expires_in: options.accessTtlSeconds,
      scope: grant.scopes.join(','),
      csrf_token: randomHex(16),
      token_type: 'Bearer',
    });
  }

  function revoke(c: Context, form: URLSearchParams) {
    const nonce = form.get('nonce') ?? '';
    const issued = nonces.get(nonce);
    nonces.delete(nonce);
    if (issued === undefined || now() - issued > NONCE_TTL_MS)
      return withingsFail(c, 503, 'Invalid Params: invalid nonce');
    const expected = signWithings(options.clientSecret, { action: 'revoke', client_id: options.clientId, nonce });
    if (form.get('signature') !== expected) return withingsFail(c, 503, 'Invalid Params: invalid signature');
    grants.revokeUser(form.get('userid') ?? '');
    return withingsOk(c, {});
  }

  app.post('/v2/signature', async (c) => {
    const form = await formOf(c);
    core.record(`signature:${form.get('action') ?? ''}`);
    const timestamp = form.get('timestamp') ?? '';
    const signed = { action: 'getnonce', client_id: form.get('client_id') ?? '', timestamp };
    if (form.get('action') !== 'getnonce' || signed.client_id !== options.clientId) {
      return withingsFail(c, 503, 'Invalid Params');
    }
    if (Math.abs(Number(timestamp) * 1000 - now()) > 10 * 60_000)
      return withingsFail(c, 503, 'Invalid Params: timestamp');
    if (form.get('signature') !== signWithings(options.clientSecret, signed)) {
      return withingsFail(c, 503, 'Invalid Params: invalid signature');
    }
    const nonce = randomHex(20);
    nonces.set(nonce, now());
    return withingsOk(c, { nonce });
  });
}
