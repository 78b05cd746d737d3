import { z } from 'zod';
import type { ClientCredentials, WearablesConfig } from '../../providers/config.ts';
import { MemberIdTakenError, ProviderCallError, ProviderUnavailableError } from '../../providers/errors.ts';
import { readJson } from '../../providers/http.ts';
import { buildAuthorizationUrl, createOAuthConfiguration, exchangeCode } from '../../providers/oauth.ts';
import type { Provider } from '../../providers/provider.ts';
import { polarError, polarRequest } from './api.ts';

export const POLAR_API = 'polar-accesslink-v3';
export const POLAR_SCOPES = ['accesslink.read_all'];

const PolarUser = z.looseObject({ 'member-id': z.string() });

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

  const registeredMemberId = async (userId: string, accessToken: string): Promise<string | null> => {
    const res = await polarRequest(fetchFn, userUrl(userId), accessToken);
    if (res.status === 204) return null;
    if (res.status !== 200) throw await polarError(res, 'the user lookup');
    const user = PolarUser.safeParse(await readJson('polar', res));
    if (!user.success) throw new ProviderCallError('polar', "Polar's user lookup gave no member-id");
    return user.data['member-id'];
  };

  return {
    id: 'polar',
    displayName: 'Polar',
    api: POLAR_API,
    scopes: POLAR_SCOPES,
    scopeLabels: { 'accesslink.read_all': 'your training, activity, heart rate and sleep data' },
    usesPkce: false,
    refreshes: false,
    authorizationUrl: ({ scopes, ...input }) => buildAuthorizationUrl(oauth, { ...input, scope: scopes.join(' ') }),
    exchangeCode: (callbackUrl, checks) => exchangeCode('polar', oauth, callbackUrl, checks),
    /**
     * Registration makes the user's data visible to us. 409 is "already registered to partner or
     * duplicated member-id" (registerUser): fine only if this account is registered under our
     * member-id, which the user lookup tells (204 when it is not registered at all).
     */
    async identify(tokens, memberId) {
      if (tokens.accountId === null) throw new ProviderUnavailableError('polar', 'Polar gave no x_user_id');
      const res = await polarRequest(fetchFn, `${config.apiUrl}/v3/users`, tokens.accessToken, {
        method: 'POST',
        json: { 'member-id': memberId },
      });
      if (res.status !== 200 && res.status !== 409) throw await polarError(res, 'the user registration');
      await res.body?.cancel();
      if (res.status === 409 && (await registeredMemberId(tokens.accountId, tokens.accessToken)) !== memberId) {
        throw new MemberIdTakenError(
          'polar',
          `Polar refused the registration (409): member-id ${memberId} already belongs to another Polar account`
        );
      }
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
