import { UpstreamError } from '../errors.ts';
import type { ProviderId } from './provider.ts';

/**
 * How a provider call can fail, as the token vault and the data pulls need to tell them apart.
 * All are UpstreamErrors (502) when nobody handles them. Messages never contain a token.
 */
export class ProviderCallError extends UpstreamError {
  constructor(
    readonly provider: ProviderId,
    message: string
  ) {
    super(message);
  }
}

/** The provider refused the access token (HTTP 401, Withings status 401): refresh once, then re-consent. */
export class TokenRejectedError extends ProviderCallError {}

/** The grant is dead at the token endpoint (`invalid_grant`): only a new consent helps. */
export class GrantRejectedError extends ProviderCallError {}

/** The API answered 410 Gone: a retired API (the legacy Fitbit Web API since November 2026). */
export class ProviderGoneError extends ProviderCallError {}

/** The account did not grant what the call needs (Google 403 scope, Polar 403 consents). */
export class ScopeMissingError extends ProviderCallError {
  constructor(
    provider: ProviderId,
    message: string,
    readonly reason: 'scope_missing' | 'consent_missing'
  ) {
    super(provider, message);
  }
}

/**
 * Polar refused the registration with 409 and the account is not registered under our member-id:
 * the member-id is already another Polar account's (the patient connected a different account
 * before and it was never deregistered). Its data would never become visible to us.
 */
export class MemberIdTakenError extends ProviderCallError {}

/** Over a per-user or per-app quota (HTTP 429, Withings status 601). */
export class RateLimitedError extends ProviderCallError {
  constructor(
    provider: ProviderId,
    message: string,
    readonly retryAfterSeconds: number | null
  ) {
    super(provider, message);
  }
}

/** 5xx, a timeout, an unreachable host or an answer we cannot read: worth retrying later. */
export class ProviderUnavailableError extends ProviderCallError {}

/** Reads a `Retry-After` header given in seconds (HTTP dates are rare from these APIs). */
export function retryAfterSeconds(res: Response): number | null {
  const value = res.headers.get('retry-after');
  if (value === null) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}
