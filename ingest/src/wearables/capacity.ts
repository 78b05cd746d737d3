import type { ProviderId } from '../providers/provider.ts';
import { PLAN_SHARE } from './budget.ts';
import { POLAR_LISTING_MINUTES } from '../vendors/polar/available.ts';

/**
 * How many connections each vendor can take inside the planned share (`PLAN_SHARE`) of every quota window
 * its docs give, for the pull settings in force. A pure model of the planner: a connection's calls
 * per day are its pulls per day times the vendor's calls per pull, spread evenly over the day (the
 * budgets spread a daily pull's burst the same way).
 */

/** A documented quota: `limit + perConnection × connections` calls per window, for the app or for each user. */
export type QuotaWindow = {
  readonly name: string;
  readonly scope: 'app' | 'user';
  readonly windowSeconds: number;
  readonly limit: number;
  readonly perConnection: number;
};

/**
 * google-health-api.md §12.4; wearable-apis.md §4.5 (Withings) and §5.4 (Polar, a paraphrase of
 * Polar's page found in third-party code). Google's cap of 100 users for an unverified app is a
 * verification matter, not a call quota, and is not modelled.
 */
export const QUOTA_WINDOWS: Record<ProviderId, readonly QuotaWindow[]> = {
  fitbit: [
    { name: 'per user per minute', scope: 'user', windowSeconds: 60, limit: 300, perConnection: 0 },
    { name: 'per project per minute', scope: 'app', windowSeconds: 60, limit: 120_000, perConnection: 0 },
    { name: 'per project per day', scope: 'app', windowSeconds: 86_400, limit: 86_400_000, perConnection: 0 },
  ],
  withings: [{ name: 'per app per minute', scope: 'app', windowSeconds: 60, limit: 120, perConnection: 0 }],
  polar: [
    { name: 'per app per 15 minutes', scope: 'app', windowSeconds: 900, limit: 500, perConnection: 20 },
    { name: 'per app per 24 hours', scope: 'app', windowSeconds: 86_400, limit: 5000, perConnection: 100 },
  ],
};

/**
 * Calls one sync pull of a connection makes when its device uploaded since the last pull
 * (`bench/late-sync.bench.ts`, hourly pulls: Google 504 — the paired devices, 16 lists, 3 daily
 * roll-ups and the `reconcile` of the day's activity levels —, Withings 243 a day, Polar 158:
 * 24 × 6 and the nightly types' 2 × 7). Polar: exercises, activity, heart rate, sleep and the wrist
 * ECG and SpO2 tests, one call each (vendors/polar/source.ts). A Fitbit connection granted the ECG and
 * irregular-rhythm scopes lists two types more (not requested by default, so not counted here).
 */
export const CALLS_PER_PULL: Record<ProviderId, number> = { fitbit: 21, withings: 10, polar: 6 };

/**
 * Calls of the types a vendor reads at most `perDay` times a day (`DataType.everyMs`), in the pulls
 * that read them: Polar's Nightly Recharge, cardio load, two SleepWise ranges, body and skin
 * temperature and physical info, every 12 hours.
 */
export const RATIONED: Partial<Record<ProviderId, { readonly calls: number; readonly perDay: number }>> = {
  polar: { calls: 7, perDay: 2 },
};

/**
 * Token refreshes a day counted in a vendor's data quota, at most one per pull: Withings' access
 * tokens last 3 hours (wearable-apis.md §4.2), so 8 a day, and its 120 a minute are "across all
 * users" of the app (§4.5), which we take to include its OAuth calls on the same host (the docs do
 * not say; counting them is the safe reading, and the pulls' budget admits them). Google's and
 * Polar's token endpoints are on other hosts, outside their data quotas.
 */
export const REFRESHES_IN_QUOTA: Partial<Record<ProviderId, number>> = { withings: 8 };

export type CapacitySettings = {
  readonly incrementalMinutes: number;
  readonly notifications?: { readonly enabled: boolean; readonly incrementalMinutes: number };
  readonly minMinutes?: Partial<Record<ProviderId, number>>;
  /** Polar pulled by its pull notifications while notifications are off (planner.ts), with this safety-net gap. */
  readonly polarSafetyNetMinutes?: number;
};

export type CapacityAssumptions = {
  readonly callsPerPull: Record<ProviderId, number>;
  /** Device uploads a day, each bringing a notification when they are on (a watch syncing hourly: 24). */
  readonly uploadsPerDay: number;
  /** Token refreshes a day in the data quota (`REFRESHES_IN_QUOTA` when not given). */
  readonly refreshesPerDay?: Partial<Record<ProviderId, number>>;
};

export type WindowCapacity = QuotaWindow & {
  /** Calls one connection makes in the window, on average. */
  readonly callsPerConnection: number;
  /** Connections inside the planned share of this window; null when no number of connections fills it. */
  readonly connections: number | null;
  /** The share of the window used at `activeConnections`, in percent of the whole quota. */
  readonly usedPct: number;
};

export type VendorCapacity = {
  readonly provider: ProviderId;
  readonly pullsPerDay: number;
  readonly callsPerConnectionPerDay: number;
  /** Calls a day made once for the whole client, whatever the connections (Polar's pull notifications). */
  readonly clientCallsPerDay: number;
  /** The fewest connections any window allows; null when none limits them. */
  readonly connections: number | null;
  /** The window that allows the fewest; null when none limits them. */
  readonly binding: string | null;
  readonly activeConnections: number;
  readonly windows: readonly WindowCapacity[];
};

const DAY_MINUTES = 1440;

const polarListing = (provider: ProviderId, s: CapacitySettings) =>
  provider === 'polar' && !s.notifications?.enabled && s.polarSafetyNetMinutes !== undefined;

/**
 * Pulls a day of one connection: polled every max(interval, vendor minimum) minutes; with
 * notifications on, the slower safety-net interval, or each upload's notified pull (at most one
 * per vendor minimum), whichever is more. Polar without its webhook: each upload's listed pull
 * (one per vendor minimum at most), or the safety-net pulls, whichever is more. The daily pull
 * takes the place of one of them.
 */
export function pullsPerDay(provider: ProviderId, s: CapacitySettings, uploadsPerDay: number): number {
  const min = s.minMinutes?.[provider] ?? 0;
  const every = (minutes: number) => (minutes > 0 ? DAY_MINUTES / Math.max(minutes, min) : 1);
  if (polarListing(provider, s) && s.incrementalMinutes > 0) {
    // Each upload is listed and pulled, no sooner than every incremental interval; an idle
    // connection at the safety-net gap.
    return Math.max(every(s.polarSafetyNetMinutes ?? 0), Math.min(uploadsPerDay, every(s.incrementalMinutes)), 1);
  }
  if (!s.notifications?.enabled) return every(s.incrementalMinutes);
  const notified = min > 0 ? Math.min(uploadsPerDay, DAY_MINUTES / min) : uploadsPerDay;
  return Math.max(every(s.notifications.incrementalMinutes), notified, 1);
}

/**
 * n connections fit a window when n × calls + client ≤ share × (limit + perConnection × n), so
 * n ≤ (share × limit − client) / (calls − share × perConnection); unbounded when each connection
 * brings more quota than it spends. A per-user window holds any number of users, or none.
 */
function windowCapacity(
  w: QuotaWindow,
  callsPerDay: number,
  clientCallsPerDay: number,
  callsPerPull: number,
  active: number
): WindowCapacity {
  const calls = (callsPerDay * w.windowSeconds) / 86_400;
  const client = (clientCallsPerDay * w.windowSeconds) / 86_400;
  const planned = (n: number) => PLAN_SHARE * (w.limit + w.perConnection * n);
  let connections: number | null;
  let usedPct: number;
  if (w.scope === 'user') {
    // One pull's calls come at once: they too must fit.
    connections = Math.max(calls, callsPerPull) <= planned(1) ? null : 0;
    usedPct = (100 * Math.max(calls, callsPerPull)) / w.limit;
  } else {
    const spare = calls - PLAN_SHARE * w.perConnection;
    connections = spare <= 0 ? null : Math.max(0, Math.floor((PLAN_SHARE * w.limit - client) / spare + 1e-9));
    usedPct = (100 * (calls * active + client)) / (w.limit + w.perConnection * active);
  }
  return { ...w, callsPerConnection: calls, connections, usedPct: Math.round(usedPct * 10) / 10 };
}

export function wearableCapacity(
  settings: CapacitySettings,
  active: Partial<Record<ProviderId, number>>,
  assumptions: CapacityAssumptions = { callsPerPull: CALLS_PER_PULL, uploadsPerDay: 24 }
): VendorCapacity[] {
  return (Object.keys(QUOTA_WINDOWS) as ProviderId[]).map((provider) => {
    const pulls = pullsPerDay(provider, settings, assumptions.uploadsPerDay);
    const perPull = assumptions.callsPerPull[provider];
    // A pull refreshes the token first when it has expired: no more refreshes than pulls.
    const refreshes = Math.min(pulls, (assumptions.refreshesPerDay ?? REFRESHES_IN_QUOTA)[provider] ?? 0);
    const rationed = RATIONED[provider];
    const callsPerDay =
      pulls * perPull + (rationed ? Math.min(pulls, rationed.perDay) * rationed.calls : 0) + refreshes;
    const activeConnections = active[provider] ?? 0;
    const clientCalls = polarListing(provider, settings) ? DAY_MINUTES / POLAR_LISTING_MINUTES : 0;
    const windows = QUOTA_WINDOWS[provider].map((w) =>
      windowCapacity(w, callsPerDay, clientCalls, perPull, activeConnections)
    );
    let binding: WindowCapacity | null = null;
    for (const w of windows) {
      if (w.connections !== null && (binding === null || w.connections < (binding.connections ?? Infinity)))
        binding = w;
    }
    return {
      provider,
      pullsPerDay: Math.round(pulls * 100) / 100,
      callsPerConnectionPerDay: Math.round(callsPerDay * 100) / 100,
      clientCallsPerDay: clientCalls,
      connections: binding?.connections ?? null,
      binding: binding?.name ?? null,
      activeConnections,
      windows,
    };
  });
}
