import { ProviderUnavailableError } from './errors.ts';
import type { ProviderId } from './provider.ts';

const TIMEOUT_MS = 15_000;

/** A data-API request with a timeout; network failures become ProviderUnavailableError. */
export async function providerFetch(
  provider: ProviderId,
  fetchFn: typeof fetch,
  url: string,
  init: RequestInit = {}
): Promise<Response> {
  try {
    return await fetchFn(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    throw new ProviderUnavailableError(provider, `${provider} could not be reached`);
  }
}

/** The body as JSON, or ProviderUnavailableError when it is not JSON (an HTML error page, a cut-off body). */
export async function readJson(provider: ProviderId, res: Response): Promise<unknown> {
  const text = await res.text().catch(() => '');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderUnavailableError(
      provider,
      `${provider} answered HTTP ${res.status} with a body that is not JSON`
    );
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}`, accept: 'application/json' });
