import { describe, expect, it } from 'vitest';
import { GrantRejectedError, ProviderUnavailableError, RateLimitedError } from './errors.ts';
import { buildAuthorizationUrl, createOAuthConfiguration, refreshGrant } from './oauth.ts';
import { unwrapWithingsToken } from '../vendors/withings/token-unwrap.ts';

/** openid-client end to end over a fake fetch (no network): what each kind of answer becomes. */
function configAnswering(answer: () => Response, unwrap = false) {
  const sent: { url: string; body: string; headers: Record<string, string> }[] = [];
  const fakeFetch = ((url: string, init: { body: URLSearchParams; headers: Record<string, string> }) => {
    sent.push({ url, body: init.body.toString(), headers: init.headers });
    return Promise.resolve(answer());
  }) as unknown as typeof fetch;
  const config = createOAuthConfiguration({
    server: {
      issuer: 'https://issuer.test',
      authorizationUrl: 'https://issuer.test/auth',
      tokenUrl: 'https://issuer.test/token',
    },
    credentials: { clientId: 'client', clientSecret: 'secret' },
    clientAuth: unwrap ? 'post' : 'basic',
    fetch: fakeFetch,
    ...(unwrap && { unwrap: unwrapWithingsToken }),
  });
  return { config, sent };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the openid-client flow', () => {
  it('a Google refresh without a refresh token gives null, and the granted scopes', async () => {
    const { config, sent } = configAnswering(() =>
      json({ access_token: 'ya29.new', expires_in: 3599, scope: 'a b', token_type: 'Bearer' })
    );
    const tokens = await refreshGrant('fitbit', config, '1//old');
    expect(tokens).toMatchObject({
      accessToken: 'ya29.new',
      refreshToken: null,
      expiresInSeconds: 3599,
      scopes: ['a', 'b'],
    });
    expect(sent[0]!.body).toContain('grant_type=refresh_token');
    expect(sent[0]!.headers.authorization).toMatch(/^Basic /);
  });

  it('a wrapped Withings answer becomes tokens with the user id; requesttoken is sent', async () => {
    const { config, sent } = configAnswering(
      () =>
        json({
          status: 0,
          body: {
            userid: 363,
            access_token: 'a',
            refresh_token: 'r2',
            expires_in: 10800,
            scope: 'user.info,user.metrics',
            token_type: 'Bearer',
          },
        }),
      true
    );
    const tokens = await refreshGrant('withings', config, 'r1', { action: 'requesttoken' });
    expect(tokens).toMatchObject({ accountId: '363', refreshToken: 'r2', scopes: ['user.info', 'user.metrics'] });
    expect(new URLSearchParams(sent[0]!.body).get('action')).toBe('requesttoken');
    expect(new URLSearchParams(sent[0]!.body).get('client_secret')).toBe('secret');
  });

  it('maps dead grants, outages, quotas, garbage and network failures', async () => {
    const cases: [() => Response, boolean, unknown][] = [
      [() => json({ status: 503, body: {}, error: 'Invalid Params: invalid refresh_token' }), true, GrantRejectedError],
      [() => json({ status: 601, body: {} }), true, RateLimitedError],
      [
        () => json({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }, 400),
        false,
        GrantRejectedError,
      ],
      [() => new Response('<html>bad gateway</html>', { status: 502 }), false, ProviderUnavailableError],
      [
        () => new Response('{"access_token": 5}', { status: 200, headers: { 'content-type': 'application/json' } }),
        false,
        ProviderUnavailableError,
      ],
      [
        () => {
          throw new TypeError('fetch failed');
        },
        false,
        ProviderUnavailableError,
      ],
    ];
    for (const [answer, unwrap, expected] of cases) {
      const { config } = configAnswering(answer, unwrap);
      await expect(refreshGrant(unwrap ? 'withings' : 'fitbit', config, 'r')).rejects.toBeInstanceOf(expected);
    }
  });

  it('builds the authorization URL with S256 PKCE and extra parameters', async () => {
    const { config } = configAnswering(() => json({}));
    const url = await buildAuthorizationUrl(
      config,
      {
        redirectUri: 'https://vigil.test/oauth/callback/fitbit',
        scope: 'a b',
        state: 's',
        pkceVerifier: 'v'.repeat(43),
      },
      { access_type: 'offline' }
    );
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'client',
      response_type: 'code',
      redirect_uri: 'https://vigil.test/oauth/callback/fitbit',
      scope: 'a b',
      state: 's',
      code_challenge_method: 'S256',
      access_type: 'offline',
    });
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
