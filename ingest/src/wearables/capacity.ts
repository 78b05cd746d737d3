import { PROVIDER_IDS, type ProviderId } from '../providers/provider.ts';
import { PLAN_SHARE } from './budget.ts';
import { POLAR_LISTING_MINUTES } from '../vendors/polar/available.ts';
import { vendorOf } from '../vendors/registry.ts';

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

/** Calls one sync pull of a connection makes when its device uploaded since the last pull (`Quotas.callsPerPull`). */
export const CALLS_PER_PULL = Object.fromEntries(
  PROVIDER_IDS.map((p) => [p, vendorOf(p).quotas.callsPerPull])
) as Record<ProviderId, number>;

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
  /** Token refreshes a day in the data quota (each vendor's `Quotas.refreshesInQuota` when not given). */
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
  return PROVIDER_IDS.map((provider) => {
    const quotas = vendorOf(provider).quotas;
    const pulls = pullsPerDay(provider, settings, assumptions.uploadsPerDay);
    const perPull = assumptions.callsPerPull[provider];
    // A pull refreshes the token first when it has expired: no more refreshes than pulls.
    const refreshes = Math.min(
      pulls,
      assumptions.refreshesPerDay ? (assumptions.refreshesPerDay[provider] ?? 0) : (quotas.refreshesInQuota ?? 0)
    );
    const rationed = quotas.rationed;
    const callsPerDay =
      pulls * perPull + (rationed ? Math.min(pulls, rationed.perDay) * rationed.calls : 0) + refreshes;
    const activeConnections = active[provider] ?? 0;
    const clientCalls = polarListing(provider, settings) ? DAY_MINUTES / POLAR_LISTING_MINUTES : 0;
    const windows = quotas.windows.map((w) => windowCapacity(w, callsPerDay, clientCalls, perPull, activeConnections));
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
