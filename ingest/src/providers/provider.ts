/**
 * The one OAuth interface every wearable vendor implements. Each implementation is sealed in its
 * vendor's folder `vendors/<id>/` (its OAuth configuration, response schemas and quirks); nothing
 * outside it knows a vendor's URL or error format.
 */

export const PROVIDER_IDS = ['fitbit', 'withings', 'polar'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** What a token endpoint gave us, normalised. Never logged, never returned by the API. */
export type GrantedTokens = {
  readonly accessToken: string;
  /** Null when the provider issues none (Polar) or, on a refresh, did not send a new one (Google). */
  readonly refreshToken: string | null;
  readonly expiresInSeconds: number | null;
  readonly refreshExpiresInSeconds: number | null;
  /** As granted; null when the provider does not say (Polar has one scope and never echoes it). */
  readonly scopes: readonly string[] | null;
  /** The provider's account id when the token response carries it (Withings `userid`, Polar `x_user_id`). */
  readonly accountId: string | null;
};

/** The tokens a connection holds; sealed by the vault at rest. */
export type StoredTokens = { readonly accessToken: string; readonly refreshToken: string | null };

export type AccountIdentity = { readonly externalUserId: string; readonly legacyUserId: string | null };

/** A connection as a provider needs to see it for authenticated calls. */
export type ConnectionRef = { readonly api: string; readonly externalUserId: string | null };

export type Provider = {
  readonly id: ProviderId;
  /** For patients and admins: "Fitbit (Google Health)". */
  readonly displayName: string;
  /** The API new connections use (a row may still name a retired one, e.g. the legacy Fitbit Web API). */
  readonly api: string;
  /** The default consent's scopes; a study's consent asks for what its measurements need (`providerForStudy`). */
  readonly scopes: readonly string[];
  /** What each scope lets the clinic see, in words for the patient. */
  readonly scopeLabels: Readonly<Record<string, string>>;
  readonly usesPkce: boolean;
  /** False when access tokens are long-lived and there is nothing to refresh (Polar). */
  readonly refreshes: boolean;
  authorizationUrl(input: {
    redirectUri: string;
    state: string;
    pkceVerifier: string | null;
    scopes: readonly string[];
  }): Promise<URL>;
  /** Completes the code exchange; `callbackUrl` is the public callback URL with the provider's query. */
  exchangeCode(callbackUrl: URL, checks: { state: string; pkceVerifier: string | null }): Promise<GrantedTokens>;
  /**
   * Learns who the account is, doing whatever the provider needs right after the exchange
   * (Google's identity call; Polar's user registration, where 409 means already registered).
   */
  identify(tokens: GrantedTokens, memberId: string): Promise<AccountIdentity>;
  refresh(refreshToken: string): Promise<GrantedTokens>;
  /** Ends the grant at the provider. Throws TokenRejectedError when it was already dead. */
  revoke(tokens: StoredTokens, connection: ConnectionRef, now: Date): Promise<void>;
  /** The cheapest authenticated call: proves the token works (and meets a retired API's 410). */
  probe(accessToken: string, connection: ConnectionRef): Promise<void>;
};

/** Splits a granted-scope string whatever the provider's separator (space for Google, comma for Withings). */
export function parseScopes(scope: string | undefined): readonly string[] | null {
  if (scope === undefined) return null;
  return scope.split(/[\s,]+/).filter((s) => s !== '');
}
