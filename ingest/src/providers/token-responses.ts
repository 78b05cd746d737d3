import type { CustomFetch } from 'openid-client';

/**
 * openid-client's `customFetch` for a provider's token and revocation endpoints. It turns every
 * answer into either a standard success or a standard RFC 6749 error body, so the OAuth code sees
 * one shape: Withings' `{status, body}` wrapping (through `unwrap`), Fitbit-style `errors[]`,
 * 5xx pages and 429s, and bodies that are not JSON at all. Rebuilding the response also drops
 * headers such as `WWW-Authenticate` that would make openid-client throw a different error class.
 */

/** A provider-specific rewrite, tried first; null leaves the response to the generic rules. */
export type Unwrap = (status: number, json: unknown) => { status: number; body: unknown } | null;

const jsonResponse = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export const oauthError = (error: string, description: string) => ({ error, error_description: description });

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function normalisingFetch(baseFetch: typeof fetch, unwrap?: Unwrap): CustomFetch {
  return async (url, options) => {
    const res = await baseFetch(url, options as RequestInit);
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const rewritten = unwrap?.(res.status, json);
    if (rewritten) return jsonResponse(rewritten.status, rewritten.body);
    if (res.status >= 200 && res.status < 300) {
      if (text === '') return new Response(null, { status: res.status });
      if (isObject(json)) return jsonResponse(res.status, json);
      return jsonResponse(400, oauthError('invalid_provider_response', `HTTP ${res.status} without a JSON object`));
    }
    return jsonResponse(400, standardError(res.status, json));
  };
}

function standardError(status: number, json: unknown) {
  if (isObject(json) && typeof json.error === 'string' && json.error !== '') {
    // A standard error body, possibly on a 5xx: keep its code, but make the status one openid-client reads.
    return oauthError(json.error, typeof json.error_description === 'string' ? json.error_description : '');
  }
  const fitbitStyle = isObject(json) && Array.isArray(json.errors) ? (json.errors[0] as unknown) : undefined;
  if (isObject(fitbitStyle) && typeof fitbitStyle.errorType === 'string') {
    return oauthError(fitbitStyle.errorType, `HTTP ${status}`);
  }
  if (status === 429) return oauthError('rate_limited', 'HTTP 429');
  if (status >= 500) return oauthError('temporarily_unavailable', `HTTP ${status}`);
  return oauthError('invalid_provider_response', `HTTP ${status} without a standard error body`);
}
