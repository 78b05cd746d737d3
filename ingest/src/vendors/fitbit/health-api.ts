import {
  ProviderCallError,
  ProviderGoneError,
  ProviderUnavailableError,
  RateLimitedError,
  retryAfterSeconds,
  ScopeMissingError,
  TokenRejectedError,
} from '../../providers/errors.ts';
import { bearer, providerFetch, readJson } from '../../providers/http.ts';
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

/** An authenticated POST with a JSON body (the `rollUp` and `dailyRollUp` methods, google-health-api.md §3.5, §3.6). */
export async function googleHealthPost(
  fetchFn: typeof fetch,
  url: string,
  accessToken: string,
  body: unknown
): Promise<unknown> {
  const res = await providerFetch('fitbit', fetchFn, url, {
    method: 'POST',
    headers: { ...bearer(accessToken), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.ok) return readJson('fitbit', res);
  throw await googleError(res);
}

/** 503 (UNAVAILABLE) or 504 (DEADLINE_EXCEEDED): Google asks for a retry after a backoff. */
export class GoogleRetryableError extends ProviderUnavailableError {}

export type Retry = { readonly attempts: number; readonly baseMs: number };

/**
 * Google asks clients to retry 503 and 504 "with exponential backoff plus random jitter, never
 * immediately" (google-health-api.md §12); 429 goes through the rate budgets instead. Data pulls
 * try four times within about 3.5 s (each attempt drawing on the budget: `call` is the whole
 * budgeted call); a patient waiting on the connect callback is not kept waiting.
 */
export const PULL_RETRY: Retry = { attempts: 4, baseMs: 500 };

export async function retryingGoogle<T>(call: () => Promise<T>, retry: Retry = PULL_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof GoogleRetryableError) || attempt >= retry.attempts) throw err;
    }
    // Half the doubled delay fixed, half random: spread out, and never zero.
    const ceiling = retry.baseMs * 2 ** (attempt - 1);
    await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
  }
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
  if (res.status === 503 || res.status === 504) return new GoogleRetryableError('fitbit', what);
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
