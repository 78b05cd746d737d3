import type { ClientCredentials, WearablesConfig } from '../../providers/config.ts';
import { ProviderCallError, ProviderUnavailableError } from '../../providers/errors.ts';
import { buildAuthorizationUrl, createOAuthConfiguration, exchangeCode, refreshGrant } from '../../providers/oauth.ts';
import type { Provider } from '../../providers/provider.ts';
import { withingsCall } from './api.ts';
import { revokeWithingsUser } from './signature.ts';
import { unwrapWithingsToken } from './token-unwrap.ts';

export const WITHINGS_API = 'withings';

/** Comma-separated at the authorize endpoint; `user.info` as well for devices (wearable-apis.md §4.1). */
export const WITHINGS_SCOPES = ['user.info', 'user.metrics', 'user.activity', 'user.sleepevents'];

const SCOPE_LABELS: Record<string, string> = {
  'user.info': 'your profile and devices',
  'user.metrics': 'measurements (weight and body composition, blood pressure, heart rate, oxygen, temperature, ECG)',
  'user.activity': 'activity, workouts and sleep',
  'user.sleepevents': 'sleep',
};

/** Both code and refresh go to the token endpoint with this extra parameter, or Withings refuses them. */
const REQUEST_TOKEN = { action: 'requesttoken' };

export function createWithingsProvider(
  config: WearablesConfig['withings'] & { client: ClientCredentials },
  fetchFn: typeof fetch
): Provider {
  const oauth = createOAuthConfiguration({
    server: {
      issuer: 'https://account.withings.com',
      authorizationUrl: config.authUrl,
      tokenUrl: `${config.apiUrl}/v2/oauth2`,
    },
    credentials: config.client,
    // The secret goes in the body (§4.1), which is openid-client's default.
    clientAuth: 'post',
    fetch: fetchFn,
    unwrap: unwrapWithingsToken,
  });

  return {
    id: 'withings',
    displayName: 'Withings',
    api: WITHINGS_API,
    scopes: WITHINGS_SCOPES,
    scopeLabels: SCOPE_LABELS,
    // Withings documents no PKCE: sending it is not known to work (§9.8).
    usesPkce: false,
    refreshes: true,
    authorizationUrl: ({ scopes, ...input }) => buildAuthorizationUrl(oauth, { ...input, scope: scopes.join(',') }),
    exchangeCode: (callbackUrl, checks) => exchangeCode('withings', oauth, callbackUrl, checks, REQUEST_TOKEN),
    // The token response names the user (`userid`, an integer or a string: stored as a string).
    identify(tokens) {
      if (tokens.accountId === null) {
        return Promise.reject(new ProviderUnavailableError('withings', 'Withings gave no userid'));
      }
      return Promise.resolve({ externalUserId: tokens.accountId, legacyUserId: null });
    },
    refresh: (refreshToken) => refreshGrant('withings', oauth, refreshToken, REQUEST_TOKEN),
    async revoke(_tokens, connection, now) {
      if (connection.externalUserId === null) throw new ProviderCallError('withings', 'no Withings user to revoke');
      await revokeWithingsUser(fetchFn, config.apiUrl, config.client, connection.externalUserId, now);
    },
    async probe(accessToken) {
      await withingsCall(fetchFn, `${config.apiUrl}/v2/user`, { action: 'getdevice' }, accessToken);
    },
  };
}
