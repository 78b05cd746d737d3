import {
  ProviderCallError,
  ProviderUnavailableError,
  RateLimitedError,
  retryAfterSeconds,
  ScopeMissingError,
  TokenRejectedError,
} from '../errors.ts';
import { providerFetch } from '../http.ts';

/** An AccessLink v3 request with the user's token; the caller decides which statuses are fine. */
export async function polarRequest(
  fetchFn: typeof fetch,
  url: string,
  accessToken: string,
  init: { method: string; json?: unknown } = { method: 'GET' }
): Promise<Response> {
  return providerFetch('polar', fetchFn, url, {
    method: init.method,
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/json',
      ...(init.json !== undefined && { 'content-type': 'application/json' }),
    },
    ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
  });
}

/** What an unexpected AccessLink status means (wearable-apis.md §5.2, §5.4). Most 4xx carry no body. */
export async function polarError(res: Response, during: string): Promise<ProviderCallError> {
  await res.body?.cancel();
  const what = `Polar answered HTTP ${res.status} to ${during}`;
  if (res.status === 401) return new TokenRejectedError('polar', what);
  // 403 is not an auth failure: the patient has not accepted Polar's mandatory consents.
  if (res.status === 403) return new ScopeMissingError('polar', what, 'consent_missing');
  if (res.status === 429) return new RateLimitedError('polar', what, retryAfterSeconds(res) ?? resetSeconds(res));
  if (res.status >= 500) return new ProviderUnavailableError('polar', what);
  return new ProviderCallError('polar', what);
}

/** `RateLimit-Reset: <short>,<long>` in seconds; the short window is the one to wait for. */
function resetSeconds(res: Response): number | null {
  const first = Number(res.headers.get('ratelimit-reset')?.split(',')[0]);
  return Number.isFinite(first) && first >= 0 ? first : null;
}
