import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { SimCore } from './core.ts';
import { basicAuthOf, formOf, htmlError, randomUrlSafe } from './core.ts';
import type { Grants } from './grants.ts';

/**
 * Google's OAuth endpoints as google-health-api.md §1 describes them: authorize (PKCE S256 or
 * plain, `access_type=offline` for a refresh token), token (code and refresh; refresh tokens are
 * kept and a refresh answer carries none; the "Testing" publishing status kills them after 7 days)
 * and revoke (either token ends the grant; 400 `invalid_token` once dead). Errors are RFC 6749.
 */

export type GoogleOAuthOptions = {
  clientId: string;
  clientSecret: string;
  accessTtlSeconds: number;
  testingMode: boolean;
  /** Google rarely returns a new refresh token on refresh; a test can make it do so. */
  refreshReturnsRefreshToken: boolean;
};

const SEVEN_DAYS = 7 * 86_400;

export function mountGoogleOAuth(app: Hono, core: SimCore, grants: Grants, options: GoogleOAuthOptions) {
  const oauthError = (c: Context, status: 400 | 401, error: string, description: string) =>
    c.json({ error, error_description: description }, status);

  app.get('/o/oauth2/v2/auth', (c) => {
    core.record('authorize');
    const fault = core.fault(c, 'authorize');
    if (fault) return fault;
    const q = new URL(c.req.url).searchParams;
    const redirectUri = q.get('redirect_uri');
    if (q.get('client_id') !== options.clientId) return htmlError(c, 401, 'Error 401: invalid_client');
    if (!redirectUri || q.get('response_type') !== 'code' || !q.get('scope')) {
      return htmlError(c, 400, 'Error 400: invalid_request');
    }
    const method = q.get('code_challenge_method') ?? 'plain';
    if (q.get('code_challenge') && method !== 'S256' && method !== 'plain') {
      return htmlError(c, 400, 'Error 400: invalid_request (code_challenge_method)');
    }
    const consent = grants.nextConsent();
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (consent.deny) {
      back.searchParams.set('error', 'access_denied');
    } else {
      const requested = (q.get('scope') ?? '').split(' ').filter((s) => s !== '');
      const scopes = requested.filter((s) => !consent.scopes || consent.scopes.includes(s));
      const challenge = q.get('code_challenge');
      const code = grants.issueCode(
        {
          clientId: options.clientId,
          redirectUri,
          scopes,
          userId: consent.user,
          challenge: challenge === null ? null : `${method}:${challenge}`,
          offline: q.get('access_type') === 'offline',
        },
        600,
        `4/0A${randomUrlSafe(30)}`
      );
      back.searchParams.set('code', code);
      back.searchParams.set('scope', scopes.join(' '));
    }
    if (state !== null) back.searchParams.set('state', state);
    return c.redirect(back.toString(), 302);
  });

  app.post('/token', async (c) => {
    const form = await formOf(c);
    const grantType = form.get('grant_type') ?? '';
    core.record(`token:${grantType}`);
    const fault = core.fault(c, 'token');
    if (fault) return fault;
    const client = basicAuthOf(c) ?? { id: form.get('client_id') ?? '', secret: form.get('client_secret') ?? '' };
    if (client.id !== options.clientId) return oauthError(c, 401, 'invalid_client', 'The OAuth client was not found.');
    if (client.secret !== options.clientSecret) return oauthError(c, 401, 'invalid_client', 'Unauthorized');

    if (grantType === 'authorization_code') {
      const code = grants.takeCode(form.get('code') ?? '');
      if (typeof code === 'string') return oauthError(c, 400, 'invalid_grant', 'Bad Request');
      if (code.redirectUri !== form.get('redirect_uri'))
        return oauthError(c, 400, 'redirect_uri_mismatch', 'Bad Request');
      if (code.challenge !== null) {
        const verifier = form.get('code_verifier');
        if (!verifier) return oauthError(c, 400, 'invalid_grant', 'Missing code verifier.');
        const [method, challenge] = code.challenge.split(':') as [string, string];
        const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
        if (computed !== challenge) return oauthError(c, 400, 'invalid_grant', 'Invalid code verifier.');
      }
      const grant = grants.createGrant(code.userId, code.clientId, code.scopes);
      const accessToken = grants.issueAccess(grant, options.accessTtlSeconds, `ya29.a0${randomUrlSafe(40)}`);
      const refresh = code.offline
        ? grants.issueRefresh(grant, `1//0g${randomUrlSafe(40)}`, options.testingMode ? SEVEN_DAYS : null)
        : null;
      return c.json({
        access_token: accessToken.token,
        expires_in: options.accessTtlSeconds,
        ...(refresh && { refresh_token: refresh.token }),
        scope: grant.scopes.join(' '),
        token_type: 'Bearer',
      });
    }

    if (grantType === 'refresh_token') {
      const check = grants.checkRefresh(form.get('refresh_token'));
      if (!check.ok) return oauthError(c, 400, 'invalid_grant', 'Token has been expired or revoked.');
      const grant = check.token.grant;
      const accessToken = grants.issueAccess(grant, options.accessTtlSeconds, `ya29.a0${randomUrlSafe(40)}`);
      return c.json({
        access_token: accessToken.token,
        expires_in: options.accessTtlSeconds,
        ...(options.refreshReturnsRefreshToken && { refresh_token: check.token.token }),
        scope: grant.scopes.join(' '),
        token_type: 'Bearer',
      });
    }
    return oauthError(c, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
  });

  app.post('/revoke', async (c) => {
    core.record('revoke');
    const fault = core.fault(c, 'revoke');
    if (fault) return fault;
    const grant = grants.findToken((await formOf(c)).get('token') ?? '');
    if (!grant || grant.revoked) return oauthError(c, 400, 'invalid_token', 'Token expired or revoked');
    grant.revoked = true;
    return c.json({});
  });
}
