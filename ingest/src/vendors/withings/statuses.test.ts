import { describe, expect, it } from 'vitest';
import { classifyWithingsStatus } from './statuses.ts';

describe("Withings' body status codes (wearable-apis.md §4.3)", () => {
  it('takes each of the four "Unauthorized" codes as a scope or entitlement problem, not a dead token', () => {
    for (const status of [214, 277, 2553, 2555])
      expect(classifyWithingsStatus(status), String(status)).toBe('not_allowed');
  });

  it('tells success, a refused token, the rate limit, retryable and invalid calls apart', () => {
    expect(classifyWithingsStatus(0)).toBe('ok');
    for (const status of [100, 101, 102, 200, 401]) expect(classifyWithingsStatus(status)).toBe('auth_failed');
    expect(classifyWithingsStatus(601)).toBe('rate_limited');
    expect(classifyWithingsStatus(522)).toBe('retry_later');
    // 503 is in the 501–511 "Invalid params" family, and 2554 is "Not implemented".
    for (const status of [503, 2554, 293]) expect(classifyWithingsStatus(status)).toBe('invalid');
  });
});
