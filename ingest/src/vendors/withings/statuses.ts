/**
 * Withings' body `status` codes, grouped by what we do about them (wearable-apis.md §4.3).
 * At the token endpoint 503 is what a bad or spent code or refresh token gets (observed by
 * withings-sync), so it counts as a dead grant there.
 */
const AUTH_FAILED = new Set([100, 101, 102, 200, 401]);
// The four "Unauthorized" codes: a scope or entitlement problem, not an expired token (§4.3).
const NOT_ALLOWED = new Set([214, 277, 2553, 2555]);
const RETRY_LATER = new Set([215, 219, 522, 602, 2551, 2552]);
export const RATE_LIMITED = 601;

export type WithingsOutcome = 'ok' | 'auth_failed' | 'not_allowed' | 'rate_limited' | 'retry_later' | 'invalid';

export function classifyWithingsStatus(status: number): WithingsOutcome {
  if (status === 0) return 'ok';
  if (AUTH_FAILED.has(status)) return 'auth_failed';
  if (NOT_ALLOWED.has(status)) return 'not_allowed';
  if (status === RATE_LIMITED) return 'rate_limited';
  if (RETRY_LATER.has(status)) return 'retry_later';
  return 'invalid';
}
