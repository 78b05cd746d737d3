import {
  ProviderCallError,
  ProviderUnavailableError,
  RateLimitedError,
  ScopeMissingError,
  TokenRejectedError,
} from '../../providers/errors.ts';
import { providerFetch, readJson } from '../../providers/http.ts';
import { WithingsEnvelope } from './schemas.ts';
import { classifyWithingsStatus } from './statuses.ts';

/**
 * One Withings service call: a form POST (with the user's Bearer token where the service needs
 * one) whose real outcome is the body's `status`, never the HTTP code.
 */
export async function withingsCall(
  fetchFn: typeof fetch,
  url: string,
  params: Record<string, string>,
  accessToken?: string
): Promise<unknown> {
  const res = await providerFetch('withings', fetchFn, url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(accessToken !== undefined && { authorization: `Bearer ${accessToken}` }),
    },
    body: new URLSearchParams(params).toString(),
  });
  if (res.status >= 500) {
    await res.body?.cancel();
    throw new ProviderUnavailableError('withings', `Withings answered HTTP ${res.status}`);
  }
  const parsed = WithingsEnvelope.safeParse(await readJson('withings', res));
  if (!parsed.success) throw new ProviderUnavailableError('withings', 'Withings answered without a status');
  const { status, body } = parsed.data;
  const what = `Withings ${params.action ?? 'call'} answered status ${status}`;
  switch (classifyWithingsStatus(status)) {
    case 'ok':
      return body;
    case 'auth_failed':
      throw new TokenRejectedError('withings', what);
    case 'not_allowed':
      throw new ScopeMissingError('withings', what, 'scope_missing');
    case 'rate_limited':
      // Withings gives no Retry-After; its quota is per minute (§4.5).
      throw new RateLimitedError('withings', what, 60);
    case 'retry_later':
      throw new ProviderUnavailableError('withings', what);
    default:
      throw new ProviderCallError('withings', what);
  }
}
