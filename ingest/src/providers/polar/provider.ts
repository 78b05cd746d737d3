import type { ClientCredentials, WearablesConfig } from '../config.ts';
import { ProviderCallError, ProviderUnavailableError } from '../errors.ts';
import { buildAuthorizationUrl, createOAuthConfiguration, exchangeCode } from '../oauth.ts';
import type { Provider } from '../provider.ts';
import { polarError, polarRequest } from './api.ts';

export const POLAR_API = 'polar-accesslink-v3';
export const POLAR_SCOPES = ['accesslink.read_all'];

/**
 * Polar AccessLink v3 (wearable-apis.md §5): Basic client auth, long-lived access tokens and no
 * refresh token, a user registration before any data is visible, and revocation by deregistering.
 */
export function createPolarProvider(
  config: WearablesConfig['polar'] & { client: ClientCredentials },
  fetchFn: typeof fetch
): Provider {
  const oauth = createOAuthConfiguration({
    server: { issuer: 'https://flow.polar.com', authorizationUrl: config.authUrl, tokenUrl: config.tokenUrl },
    credentials: config.client,
    clientAuth: 'basic',
    fetch: fetchFn,
  });
  const userUrl = (id: string) => `${config.apiUrl}/v3/users/${encodeURIComponent(id)}`;

  return {
    id: 'polar',
    displayName: 'Polar',
    api: POLAR_API,
    scopes: POLAR_SCOPES,
    scopeLabels: { 'accesslink.read_all': 'your training, activity, heart rate and sleep data' },
    usesPkce: false,
    refreshes: false,
    authorizationUrl: (input) => buildAuthorizationUrl(oauth, { ...input, scope: POLAR_SCOPES.join(' ') }),
    exchangeCode: (callbackUrl, checks) => exchangeCode('polar', oauth, callbackUrl, checks),
    // Registration makes the user's data visible to us; 409 means already registered, which is fine.
    async identify(tokens, memberId) {
      if (tokens.accountId === null) throw new ProviderUnavailableError('polar', 'Polar gave no x_user_id');
      const res = await polarRequest(fetchFn, `${config.apiUrl}/v3/users`, tokens.accessToken, {
        method: 'POST',
        json: { 'member-id': memberId },
      });
      if (res.status !== 200 && res.status !== 409) throw await polarError(res, 'the user registration');
      await res.body?.cancel();
      return { externalUserId: tokens.accountId, legacyUserId: null };
    },
    refresh() {
      return Promise.reject(new ProviderCallError('polar', 'Polar issues no refresh tokens'));
    },
    // No OAuth revocation endpoint: deregistering the user revokes the token (§5.1).
    async revoke(tokens, connection) {
      if (connection.externalUserId === null) throw new ProviderCallError('polar', 'no Polar user to deregister');
      const res = await polarRequest(fetchFn, userUrl(connection.externalUserId), tokens.accessToken, {
        method: 'DELETE',
      });
      if (res.status !== 204 && res.status !== 200) throw await polarError(res, 'the deregistration');
      await res.body?.cancel();
    },
    async probe(accessToken, connection) {
      if (connection.externalUserId === null) throw new ProviderCallError('polar', 'no Polar user');
      const res = await polarRequest(fetchFn, userUrl(connection.externalUserId), accessToken);
      if (res.status !== 200) throw await polarError(res, 'the user lookup');
      await res.body?.cancel();
    },
  };
}
