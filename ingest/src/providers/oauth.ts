import * as client from 'openid-client';
import type { ClientCredentials } from './config.ts';
import {
  GrantRejectedError,
  ProviderCallError,
  ProviderUnavailableError,
  RateLimitedError,
  TokenRejectedError,
} from './errors.ts';
import type { GrantedTokens, ProviderId } from './provider.ts';
import { parseScopes } from './provider.ts';
import { normalisingFetch, type Unwrap } from './token-responses.ts';

/**
 * The one openid-client flow every provider uses: hand-built configurations (none of these
 * providers offers discovery), the authorization URL with PKCE where supported, the code exchange,
 * refresh and revocation, and one mapping from openid-client's errors to ours.
 */

export type OAuthServer = {
  /** Never compared against an ID token (none is requested); checked only if a callback carries `iss`. */
  readonly issuer: string;
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  readonly revocationUrl?: string;
};

const TIMEOUT_SECONDS = 15;

export function createOAuthConfiguration(input: {
  server: OAuthServer;
  credentials: ClientCredentials;
  clientAuth: 'basic' | 'post';
  fetch: typeof fetch;
  unwrap?: Unwrap;
}): client.Configuration {
  const { server, credentials } = input;
  const auth =
    input.clientAuth === 'basic'
      ? client.ClientSecretBasic(credentials.clientSecret)
      : client.ClientSecretPost(credentials.clientSecret);
  const config = new client.Configuration(
    {
      issuer: server.issuer,
      authorization_endpoint: server.authorizationUrl,
      token_endpoint: server.tokenUrl,
      ...(server.revocationUrl !== undefined && { revocation_endpoint: server.revocationUrl }),
    },
    credentials.clientId,
    credentials.clientSecret,
    auth
  );
  config[client.customFetch] = normalisingFetch(input.fetch, input.unwrap);
  config.timeout = TIMEOUT_SECONDS;
  // config.ts admits plain http only for loopback hosts: the test simulators.
  const urls = [server.authorizationUrl, server.tokenUrl, server.revocationUrl ?? 'https:'];
  if (urls.some((url) => url.startsWith('http:'))) client.allowInsecureRequests(config);
  return config;
}

export async function buildAuthorizationUrl(
  config: client.Configuration,
  input: { redirectUri: string; scope: string; state: string; pkceVerifier: string | null },
  extra: Record<string, string> = {}
): Promise<URL> {
  const pkce: Record<string, string> =
    input.pkceVerifier === null
      ? {}
      : {
          code_challenge: await client.calculatePKCECodeChallenge(input.pkceVerifier),
          code_challenge_method: 'S256',
        };
  return client.buildAuthorizationUrl(config, {
    redirect_uri: input.redirectUri,
    scope: input.scope,
    state: input.state,
    ...pkce,
    ...extra,
  });
}

export async function exchangeCode(
  provider: ProviderId,
  config: client.Configuration,
  callbackUrl: URL,
  checks: { state: string; pkceVerifier: string | null },
  extra?: Record<string, string>
): Promise<GrantedTokens> {
  try {
    const response = await client.authorizationCodeGrant(
      config,
      callbackUrl,
      { expectedState: checks.state, ...(checks.pkceVerifier !== null && { pkceCodeVerifier: checks.pkceVerifier }) },
      extra
    );
    return toGrantedTokens(response);
  } catch (err) {
    throw toProviderError(provider, err, 'the code exchange');
  }
}

export async function refreshGrant(
  provider: ProviderId,
  config: client.Configuration,
  refreshToken: string,
  extra?: Record<string, string>
): Promise<GrantedTokens> {
  try {
    return toGrantedTokens(await client.refreshTokenGrant(config, refreshToken, extra));
  } catch (err) {
    throw toProviderError(provider, err, 'the token refresh');
  }
}

export async function revokeToken(provider: ProviderId, config: client.Configuration, token: string): Promise<void> {
  try {
    await client.tokenRevocation(config, token);
  } catch (err) {
    const mapped = toProviderError(provider, err, 'the revocation');
    // RFC 7009 servers answer invalid_token for a token that is already dead: the grant is gone either way.
    if (err instanceof client.ResponseBodyError && err.error === 'invalid_token') {
      throw new TokenRejectedError(provider, mapped.message);
    }
    throw mapped;
  }
}

function toGrantedTokens(r: client.TokenEndpointResponse): GrantedTokens {
  const extra = r as Record<string, unknown>;
  const account = extra.userid ?? extra.x_user_id ?? extra.user_id;
  const refreshExpires = Number(extra.refresh_token_expires_in);
  return {
    accessToken: r.access_token,
    refreshToken: r.refresh_token ?? null,
    expiresInSeconds: typeof r.expires_in === 'number' ? r.expires_in : null,
    refreshExpiresInSeconds: Number.isFinite(refreshExpires) && refreshExpires > 0 ? refreshExpires : null,
    scopes: parseScopes(r.scope),
    accountId: typeof account === 'string' || typeof account === 'number' ? String(account) : null,
  };
}

/** openid-client's error classes, as ours. Only codes and fixed texts: error bodies can echo tokens. */
export function toProviderError(provider: ProviderId, err: unknown, during: string): ProviderCallError {
  if (err instanceof ProviderCallError) return err;
  if (err instanceof client.ResponseBodyError) {
    const what = `${provider} refused ${during} (${err.error})`;
    if (err.error === 'invalid_grant') return new GrantRejectedError(provider, what);
    if (err.error === 'rate_limited') return new RateLimitedError(provider, what, null);
    if (err.error === 'temporarily_unavailable' || err.error === 'server_error') {
      return new ProviderUnavailableError(provider, `${provider} is unavailable (${during}: ${err.error})`);
    }
    if (err.error === 'invalid_provider_response') {
      return new ProviderUnavailableError(provider, `${provider} gave an answer we cannot read (${during})`);
    }
    return new ProviderCallError(provider, what);
  }
  if (err instanceof client.ClientError) {
    return new ProviderUnavailableError(provider, `${provider} gave an answer we cannot read (${during}: ${err.code})`);
  }
  // fetch fails with a TypeError (no code); openid-client's own argument errors carry an ERR_ code.
  const code = (err as { code?: unknown }).code;
  const network = err instanceof Error && err.name === 'TypeError' && code === undefined;
  if (network || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))) {
    return new ProviderUnavailableError(provider, `${provider} could not be reached (${during})`);
  }
  throw err;
}
