import {
  ProviderCallError,
  ProviderUnavailableError,
  RateLimitedError,
  retryAfterSeconds,
  ScopeMissingError,
  TokenRejectedError,
} from '../../providers/errors.ts';
import { providerFetch } from '../../providers/http.ts';

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

/**
 * `RateLimit-Reset: <short>,<long>` in seconds: the latest reset of a window the usage has spent
 * (the daily one resets hours after the short one), else the short window's.
 */
function resetSeconds(res: Response): number | null {
  const list = (name: string) => res.headers.get(name)?.split(',').map(Number) ?? [];
  const [usage, limit, reset] = [list('ratelimit-usage'), list('ratelimit-limit'), list('ratelimit-reset')];
  const valid = reset.map((r, i) => ({ r, i })).filter(({ r }) => Number.isFinite(r) && r >= 0);
  const spent = valid.filter(({ i }) => (usage[i] ?? 0) >= (limit[i] ?? Infinity));
  const waits = (spent.length > 0 ? spent : valid.filter(({ i }) => i === 0)).map(({ r }) => r);
  return waits.length > 0 ? Math.max(...waits) : null;
}
