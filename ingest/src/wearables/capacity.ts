import { PROVIDER_IDS, type ProviderId } from '../providers/provider.ts';
import { PLAN_SHARE } from './budget.ts';
import { DEFAULT_MEASUREMENTS, readsType, type WearableMeasurement } from './measurements.ts';
import { vendorOf } from '../vendors/registry.ts';

/**
 * How many connections each vendor can take inside the planned share (`PLAN_SHARE`) of every quota window
 * its docs give, for the pull settings in force. A pure model of the planner: a connection's calls
 * per day are its pulls per day times the calls of the types its study collects (`readsType`), spread
 * evenly over the day (the budgets spread a daily pull's burst the same way).
 */

/** A documented quota: `limit + perConnection × connections` calls per window, for the app or for each user. */
export type QuotaWindow = {
  readonly name: string;
  readonly scope: 'app' | 'user';
  readonly windowSeconds: number;
  readonly limit: number;
  readonly perConnection: number;
};

const DAY_MINUTES = 1440;
const DAY_MS = 86_400_000;

/**
 * The calls of one pull of a study collecting `chosen` when its device uploaded since the last
 * pull: `each`, those of the types read at every pull; `rationed`, those of the types read at most
 * `perDay` times a day (`DataType.everyMs`), keyed by it.
 */
export function callsOfPull(
  provider: ProviderId,
  chosen: readonly WearableMeasurement[]
): { each: number; rationed: Map<number, number> } {
  const vendor = vendorOf(provider);
  let each = 0;
  const rationed = new Map<number, number>();
  for (const type of vendor.source.types) {
    if (!readsType(provider, type.name, chosen)) continue;
    const calls = vendor.quotas.callsPerType[type.name];
    if (calls === undefined) throw new Error(`the ${provider} quotas give no calls for its type ${type.name}`);
    if (type.everyMs === undefined) each += calls;
    else rationed.set(DAY_MS / type.everyMs, (rationed.get(DAY_MS / type.everyMs) ?? 0) + calls);
  }
  return { each, rationed };
}

/** Calls one sync pull of a study collecting the default measurements makes at every pull. */
export const CALLS_PER_PULL = Object.fromEntries(
  PROVIDER_IDS.map((p) => [p, callsOfPull(p, DEFAULT_MEASUREMENTS).each])
) as Record<ProviderId, number>;

export type CapacitySettings = {
  readonly incrementalMinutes: number;
  readonly notifications?: { readonly enabled: boolean; readonly incrementalMinutes: number };
  readonly minMinutes?: Partial<Record<ProviderId, number>>;
  /**
   * A vendor that lists its users with new data (`Vendor.listing`) pulled when listed while
   * notifications are off (planner.ts), with this safety-net gap.
   */
  readonly listingSafetyNetMinutes?: number;
};

export type CapacityAssumptions = {
  /** Device uploads a day, each bringing a notification when they are on (a watch syncing hourly: 24). */
  readonly uploadsPerDay: number;
  /** Token refreshes a day in the data quota (each vendor's `Quotas.refreshesInQuota` when not given). */
  readonly refreshesPerDay?: Partial<Record<ProviderId, number>>;
  /** Calls at every pull in place of those of the types read (a vendor's heavier pull). */
  readonly callsPerPull?: Partial<Record<ProviderId, number>>;
};

/** A study's active connections by vendor, and the measurements it collects. */
export type StudyLoad = {
  readonly studyId: number;
  readonly name: string;
  readonly measurements: readonly WearableMeasurement[];
  readonly active: Partial<Record<ProviderId, number>>;
};

export type WindowCapacity = QuotaWindow & {
  /** Calls one connection makes in the window, on average. */
  readonly callsPerConnection: number;
  /** Connections inside the planned share of this window; null when no number of connections fills it. */
  readonly connections: number | null;
  /** The share of the window used at `activeConnections`, in percent of the whole quota. */
  readonly usedPct: number;
};

export type StudyCapacity = {
  readonly studyId: number;
  readonly name: string;
  readonly activeConnections: number;
  /** For what the study collects; null when it collects nothing the vendor delivers (nothing to connect for). */
  readonly callsPerConnectionPerDay: number | null;
};

export type VendorCapacity = {
  readonly provider: ProviderId;
  readonly pullsPerDay: number;
  /**
   * The mean over the active connections, each for what its study collects; for a study collecting
   * the default measurements while there is none.
   */
  readonly callsPerConnectionPerDay: number;
  /** Calls a day made once for the whole client, whatever the connections (its listing pass). */
  readonly clientCallsPerDay: number;
  /** The fewest connections any window allows, at the calls per connection above; null when none limits them. */
  readonly connections: number | null;
  /** The window that allows the fewest; null when none limits them. */
  readonly binding: string | null;
  readonly activeConnections: number;
  readonly windows: readonly WindowCapacity[];
  readonly studies: readonly StudyCapacity[];
};

/** The vendor's listing pass, when it is what pulls the vendor's connections. */
const listingOf = (provider: ProviderId, s: CapacitySettings) =>
  !s.notifications?.enabled && s.listingSafetyNetMinutes !== undefined ? vendorOf(provider).listing : undefined;

/**
 * Pulls a day of one connection: polled every max(interval, vendor minimum) minutes; with
 * notifications on, the slower safety-net interval, or each upload's notified pull (at most one
 * per vendor minimum), whichever is more. A vendor that lists its users with new data
 * (`Vendor.listing`), notifications off: each upload's listed pull (one per vendor minimum at
 * most), or the safety-net pulls, whichever is more. The daily pull
 * takes the place of one of them.
 */
export function pullsPerDay(provider: ProviderId, s: CapacitySettings, uploadsPerDay: number): number {
  const min = s.minMinutes?.[provider] ?? 0;
  const every = (minutes: number) => (minutes > 0 ? DAY_MINUTES / Math.max(minutes, min) : 1);
  if (listingOf(provider, s) && s.incrementalMinutes > 0) {
    // Each upload is listed and pulled, no sooner than every incremental interval; an idle
    // connection at the safety-net gap.
    return Math.max(every(s.listingSafetyNetMinutes ?? 0), Math.min(uploadsPerDay, every(s.incrementalMinutes)), 1);
  }
  if (!s.notifications?.enabled) return every(s.incrementalMinutes);
  const notified = min > 0 ? Math.min(uploadsPerDay, DAY_MINUTES / min) : uploadsPerDay;
  return Math.max(every(s.notifications.incrementalMinutes), notified, 1);
}

/** What one vendor's connections spend a day: on average, the heaviest one's, and all of them together. */
type Load = {
  readonly mean: number;
  readonly heaviest: number;
  /** The most calls one pull makes at once. */
  readonly burst: number;
  readonly total: number;
};

/**
 * n connections fit a window when n × calls + client ≤ share × (limit + perConnection × n), so
 * n ≤ (share × limit − client) / (calls − share × perConnection); unbounded when each connection
 * brings more quota than it spends. A per-user window holds any number of users, or none: its
 * heaviest user must fit.
 */
function windowCapacity(w: QuotaWindow, load: Load, clientCallsPerDay: number, active: number): WindowCapacity {
  const inWindow = (perDay: number) => (perDay * w.windowSeconds) / 86_400;
  const calls = inWindow(load.mean);
  const client = inWindow(clientCallsPerDay);
  const planned = (n: number) => PLAN_SHARE * (w.limit + w.perConnection * n);
  let connections: number | null;
  let usedPct: number;
  if (w.scope === 'user') {
    // One pull's calls come at once: they too must fit.
    const heaviest = Math.max(inWindow(load.heaviest), load.burst);
    connections = heaviest <= planned(1) ? null : 0;
    usedPct = (100 * heaviest) / w.limit;
  } else {
    const spare = calls - PLAN_SHARE * w.perConnection;
    connections = spare <= 0 ? null : Math.max(0, Math.floor((PLAN_SHARE * w.limit - client) / spare + 1e-9));
    usedPct = (100 * (inWindow(load.total) + client)) / (w.limit + w.perConnection * active);
  }
  return { ...w, callsPerConnection: calls, connections, usedPct: Math.round(usedPct * 10) / 10 };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function wearableCapacity(
  settings: CapacitySettings,
  studies: readonly StudyLoad[],
  assumptions: CapacityAssumptions = { uploadsPerDay: 24 }
): VendorCapacity[] {
  return PROVIDER_IDS.map((provider) => {
    const quotas = vendorOf(provider).quotas;
    const pulls = pullsPerDay(provider, settings, assumptions.uploadsPerDay);
    // A pull refreshes the token first when it has expired: no more refreshes than pulls.
    const refreshes = Math.min(
      pulls,
      assumptions.refreshesPerDay ? (assumptions.refreshesPerDay[provider] ?? 0) : (quotas.refreshesInQuota ?? 0)
    );
    const offered = new Set(Object.keys(vendorOf(provider).offer.scopes));
    const costOf = (chosen: readonly WearableMeasurement[]) => {
      const pull = callsOfPull(provider, chosen);
      const each = assumptions.callsPerPull?.[provider] ?? pull.each;
      let perDay = pulls * each + refreshes;
      for (const [times, calls] of pull.rationed) perDay += Math.min(pulls, times) * calls;
      return { perDay, burst: each };
    };
    const costs = studies.map((st) => ({ study: st, active: st.active[provider] ?? 0, ...costOf(st.measurements) }));
    const connected = costs.filter((c) => c.active > 0);
    const activeConnections = connected.reduce((n, c) => n + c.active, 0);
    const total = connected.reduce((sum, c) => sum + c.active * c.perDay, 0);
    // With no connection yet, what a connection of a study collecting the default would spend.
    const spenders = connected.length > 0 ? connected : [costOf(DEFAULT_MEASUREMENTS)];
    const load: Load = {
      mean: activeConnections > 0 ? total / activeConnections : (spenders[0]?.perDay ?? 0),
      heaviest: Math.max(...spenders.map((c) => c.perDay)),
      burst: Math.max(...spenders.map((c) => c.burst)),
      total,
    };
    const listing = listingOf(provider, settings);
    const clientCalls = listing ? DAY_MINUTES / listing.everyMinutes : 0;
    const windows = quotas.windows.map((w) => windowCapacity(w, load, clientCalls, activeConnections));
    let binding: WindowCapacity | null = null;
    for (const w of windows) {
      if (w.connections !== null && (binding === null || w.connections < (binding.connections ?? Infinity)))
        binding = w;
    }
    return {
      provider,
      pullsPerDay: round2(pulls),
      callsPerConnectionPerDay: round2(load.mean),
      clientCallsPerDay: clientCalls,
      connections: binding?.connections ?? null,
      binding: binding?.name ?? null,
      activeConnections,
      windows,
      studies: costs.map((c) => ({
        studyId: c.study.studyId,
        name: c.study.name,
        activeConnections: c.active,
        callsPerConnectionPerDay: c.study.measurements.some((m) => offered.has(m)) ? round2(c.perDay) : null,
      })),
    };
  });
}
