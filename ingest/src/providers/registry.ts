import type { WearablesConfig } from './config.ts';
import { createFitbitProvider } from '../vendors/fitbit/provider.ts';
import { createPolarProvider } from '../vendors/polar/provider.ts';
import type { Provider, ProviderId } from './provider.ts';
import { PROVIDER_IDS } from './provider.ts';
import { createWithingsProvider } from '../vendors/withings/provider.ts';

export type Providers = {
  /** The provider, or null when it is not configured on this server. */
  get(id: ProviderId): Provider | null;
  list(): { id: ProviderId; displayName: string; available: boolean }[];
};

const DISPLAY_NAMES: Record<ProviderId, string> = {
  fitbit: 'Fitbit (Google Health)',
  withings: 'Withings',
  polar: 'Polar',
};

export const displayNameOf = (id: ProviderId) => DISPLAY_NAMES[id];

/** Polar issues no refresh token: its access token's end is the end of the patient's consent. */
const ISSUES_REFRESH_TOKENS: Record<ProviderId, boolean> = { fitbit: true, withings: true, polar: false };

/**
 * When the patient's consent ends unless they give it again: a refresh token's own expiry where
 * the provider states one, else, for a provider without refresh tokens, the access token's.
 */
export function consentEndsAt(c: {
  provider: ProviderId;
  accessExpiresAt: Date | null;
  refreshExpiresAt: Date | null;
}): Date | null {
  return c.refreshExpiresAt ?? (ISSUES_REFRESH_TOKENS[c.provider] ? null : c.accessExpiresAt);
}

/** What an admin must set to make a provider available. */
export const setupHint = (id: ProviderId) =>
  `${DISPLAY_NAMES[id]} is not configured on this server: set VIGIL_${id.toUpperCase()}_CLIENT_ID and VIGIL_${id.toUpperCase()}_CLIENT_SECRET`;

export function createProviders(config: WearablesConfig, fetchFn: typeof fetch = globalThis.fetch): Providers {
  const { fitbit, withings, polar } = config;
  const built: Record<ProviderId, Provider | null> = {
    fitbit: fitbit.client ? createFitbitProvider({ ...fitbit, client: fitbit.client }, fetchFn) : null,
    withings: withings.client ? createWithingsProvider({ ...withings, client: withings.client }, fetchFn) : null,
    polar: polar.client ? createPolarProvider({ ...polar, client: polar.client }, fetchFn) : null,
  };
  return {
    get: (id) => built[id],
    list: () => PROVIDER_IDS.map((id) => ({ id, displayName: DISPLAY_NAMES[id], available: built[id] !== null })),
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
