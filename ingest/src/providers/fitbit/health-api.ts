import {
  ProviderCallError,
  ProviderGoneError,
  ProviderUnavailableError,
  RateLimitedError,
  retryAfterSeconds,
  ScopeMissingError,
  TokenRejectedError,
} from '../errors.ts';
import { bearer, providerFetch, readJson } from '../http.ts';
import { GoogleErrorEnvelope } from './schemas.ts';

/**
 * Authenticated GETs on the Google Health API (and the retired Fitbit Web API), with each failure
 * mapped to the error class the token vault acts on (google-health-api.md §1.6).
 */
export async function googleHealthGet(fetchFn: typeof fetch, url: string, accessToken: string): Promise<unknown> {
  const res = await providerFetch('fitbit', fetchFn, url, { headers: bearer(accessToken) });
  if (res.ok) return readJson('fitbit', res);
  throw await googleError(res);
}

async function googleError(res: Response): Promise<ProviderCallError> {
  const parsed = GoogleErrorEnvelope.safeParse(await readJson('fitbit', res).catch(() => null));
  const error = parsed.success ? parsed.data.error : undefined;
  const reason = error?.details?.find((d) => d.reason !== undefined)?.reason;
  const what = `Google Health API answered HTTP ${res.status} (${[error?.status, reason].filter(Boolean).join(' ') || 'no error body'})`;
  if (res.status === 401) return new TokenRejectedError('fitbit', what);
  if (res.status === 403 && reason === 'ACCESS_TOKEN_SCOPE_INSUFFICIENT') {
    return new ScopeMissingError('fitbit', what, 'scope_missing');
  }
  if (res.status === 410) return new ProviderGoneError('fitbit', what);
  if (res.status === 429) return new RateLimitedError('fitbit', what, retryAfterSeconds(res));
  if (res.status >= 500) return new ProviderUnavailableError('fitbit', what);
  return new ProviderCallError('fitbit', what);
}

/**
 * The legacy Fitbit Web API was switched off in November 2026 and answers 410 Gone; a connection
 * still holding its tokens learns that here.
 */
export async function legacyFitbitProbe(fetchFn: typeof fetch, legacyApiUrl: string, accessToken: string) {
  const res = await providerFetch('fitbit', fetchFn, `${legacyApiUrl}/1/user/-/profile.json`, {
    headers: bearer(accessToken),
  });
  await res.body?.cancel();
  if (res.status === 410) {
    throw new ProviderGoneError(
      'fitbit',
      'the legacy Fitbit Web API answered 410 Gone: it was switched off in November 2026 and Fitbit data now comes only through the Google Health API'
    );
  }
  if (res.status === 401) throw new TokenRejectedError('fitbit', 'the legacy Fitbit Web API refused the token');
  throw new ProviderCallError('fitbit', `the legacy Fitbit Web API answered HTTP ${res.status}`);
}
