import type { ClientCredentials, WearablesConfig } from '../../providers/config.ts';
import { ProviderUnavailableError } from '../../providers/errors.ts';
import {
  buildAuthorizationUrl,
  createOAuthConfiguration,
  exchangeCode,
  refreshGrant,
  revokeToken,
} from '../../providers/oauth.ts';
import type { Provider } from '../../providers/provider.ts';
import { googleHealthGet, legacyFitbitProbe } from './health-api.ts';
import { Identity } from './schemas.ts';

/** Fitbit data comes through Google's Health API with plain Google OAuth (google-health-api.md §1). */
export const GOOGLE_HEALTH_API = 'google-health-v4';
/** Tokens of the retired Fitbit Web API (rows imported from before November 2026). */
export const FITBIT_WEB_API = 'fitbit-web-api';

const SCOPE_PREFIX = 'https://www.googleapis.com/auth/googlehealth.';

/** The minimal remote-monitoring set (§1.3): activity, heart rate and body measures, sleep, devices. */
export const GOOGLE_HEALTH_SCOPES = [
  'activity_and_fitness.readonly',
  'health_metrics_and_measurements.readonly',
  'sleep.readonly',
  'settings.readonly',
].map((s) => SCOPE_PREFIX + s);

/**
 * ECG recordings and irregular-rhythm notifications have scopes of their own (§1.3), not requested
 * by default: a study asks for them, and each is read only where the patient granted it.
 */
export const GOOGLE_ECG_SCOPE = `${SCOPE_PREFIX}ecg.readonly`;
export const GOOGLE_IRN_SCOPE = `${SCOPE_PREFIX}irn.readonly`;

const SCOPE_LABELS: Record<string, string> = {
  [`${SCOPE_PREFIX}activity_and_fitness.readonly`]: 'activity and fitness (steps, active minutes)',
  [`${SCOPE_PREFIX}health_metrics_and_measurements.readonly`]: 'health measurements (heart rate, weight, oxygen)',
  [`${SCOPE_PREFIX}sleep.readonly`]: 'sleep',
  [`${SCOPE_PREFIX}settings.readonly`]: 'devices and settings (to see when your watch last synced)',
  [GOOGLE_ECG_SCOPE]: 'ECG recordings',
  [GOOGLE_IRN_SCOPE]: 'irregular heart rhythm notifications',
};

export function createFitbitProvider(
  config: WearablesConfig['fitbit'] & { client: ClientCredentials },
  fetchFn: typeof fetch
): Provider {
  const oauth = createOAuthConfiguration({
    server: {
      issuer: 'https://accounts.google.com',
      authorizationUrl: config.authUrl,
      tokenUrl: config.tokenUrl,
      revocationUrl: config.revokeUrl,
    },
    credentials: config.client,
    clientAuth: 'post',
    fetch: fetchFn,
  });
  const identity = async (accessToken: string) => {
    const parsed = Identity.safeParse(
      await googleHealthGet(fetchFn, `${config.apiUrl}/v4/users/me/identity`, accessToken)
    );
    if (!parsed.success)
      throw new ProviderUnavailableError('fitbit', 'the Google Health identity answer is not as documented');
    return parsed.data;
  };

  return {
    id: 'fitbit',
    displayName: 'Fitbit (Google Health)',
    api: GOOGLE_HEALTH_API,
    scopes: GOOGLE_HEALTH_SCOPES,
    scopeLabels: SCOPE_LABELS,
    usesPkce: true,
    refreshes: true,
    // offline + consent: every consent returns a refresh token (§1.2).
    authorizationUrl: ({ scopes, ...input }) =>
      buildAuthorizationUrl(
        oauth,
        { ...input, scope: scopes.join(' ') },
        { access_type: 'offline', prompt: 'consent' }
      ),
    exchangeCode: (callbackUrl, checks) => exchangeCode('fitbit', oauth, callbackUrl, checks),
    // No user id comes with Google's tokens: the identity call names the account (§1.4, §2).
    async identify(tokens) {
      const { healthUserId, legacyUserId } = await identity(tokens.accessToken);
      return { externalUserId: healthUserId, legacyUserId: legacyUserId ?? null };
    },
    refresh: (refreshToken) => refreshGrant('fitbit', oauth, refreshToken),
    // Revoking either token ends the whole grant (§1.5); the refresh token outlives the access token.
    revoke: (tokens) => revokeToken('fitbit', oauth, tokens.refreshToken ?? tokens.accessToken),
    async probe(accessToken, connection) {
      if (connection.api === FITBIT_WEB_API) return legacyFitbitProbe(fetchFn, config.legacyApiUrl, accessToken);
      await identity(accessToken);
    },
  };
}
