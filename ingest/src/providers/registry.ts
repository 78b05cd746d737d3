import type { WearablesConfig } from './config.ts';
import type { Provider, ProviderId } from './provider.ts';
import { PROVIDER_IDS } from './provider.ts';
import { vendorOf } from '../vendors/registry.ts';

export type Providers = {
  /** The provider, or null when it is not configured on this server. */
  get(id: ProviderId): Provider | null;
  list(): { id: ProviderId; displayName: string; available: boolean }[];
};

export const displayNameOf = (id: ProviderId) => vendorOf(id).displayName;

/**
 * When the patient's consent ends unless they give it again: a refresh token's own expiry where
 * the provider states one, else, for a provider without refresh tokens, the access token's.
 */
export function consentEndsAt(c: {
  provider: ProviderId;
  accessExpiresAt: Date | null;
  refreshExpiresAt: Date | null;
}): Date | null {
  return c.refreshExpiresAt ?? (vendorOf(c.provider).issuesRefreshTokens ? null : c.accessExpiresAt);
}

/** What an admin must set to make a provider available. */
export const setupHint = (id: ProviderId) =>
  `${displayNameOf(id)} is not configured on this server: set VIGIL_${id.toUpperCase()}_CLIENT_ID and VIGIL_${id.toUpperCase()}_CLIENT_SECRET`;

export function createProviders(config: WearablesConfig, fetchFn: typeof fetch = globalThis.fetch): Providers {
  const built = Object.fromEntries(
    PROVIDER_IDS.map((id) => [id, vendorOf(id).createProvider(config, fetchFn)])
  ) as Record<ProviderId, Provider | null>;
  return {
    get: (id) => built[id],
    list: () => PROVIDER_IDS.map((id) => ({ id, displayName: displayNameOf(id), available: built[id] !== null })),
  };
}

// One set per configuration (configurations are frozen and live as long as the app).
const cache = new WeakMap<WearablesConfig, Providers>();

export function providersFor(config: WearablesConfig): Providers {
  let providers = cache.get(config);
  if (!providers) {
    providers = createProviders(config);
    cache.set(config, providers);
  }
  return providers;
}
