import type { Knex } from 'knex';
import type { WearablesConfig } from '../providers/config.ts';
import type { Budgets, Quota } from './budget.ts';
import type { WearableMeasurement } from './measurements.ts';
import type { Batch } from './rows.ts';

/**
 * `changedSince`: a sync of a type whose vendor answers "what changed since" (`DataType.changedSince`):
 * read what was created or modified at the vendor after that instant, whatever its measurement time.
 */
export type Window = { readonly from: Date; readonly to: Date; readonly changedSince?: Date };

/** What a provider's pull code gets for one connection. */
export type PullEnv = {
  readonly fetchFn: typeof fetch;
  readonly budgets: Budgets;
  readonly config: WearablesConfig;
  readonly connectionId: number;
  /** The study's zone: for providers that give local times without an offset (Polar). */
  readonly timeZone: string;
  readonly db: Knex;
  /** Now, for vendors whose lists cover the last days before it (Polar's 28 nights). */
  readonly clock: () => Date;
  /** Rate-limit facts worth keeping on the connection (Polar's RateLimit headers). */
  observe(limits: Record<string, unknown>): void;
  /** Vendor files kept whole (ECG signals); absent where the pull was given no archive. */
  readonly rawArchive?: RawArchive;
  /**
   * Whether the connection's study collects the measurement: for a type read once for several
   * (Withings getmeas), what it asks for. A type serving none of the chosen is not read at all.
   */
  readonly collects: (measurement: WearableMeasurement) => boolean;
};

/** The participant's folder of the raw archive: `put` seals the bytes under the study's key and returns the object's key. */
export type RawArchive = { put(name: string, bytes: Buffer): Promise<string> };

/**
 * A data type read in windows of at most `maxDays` (the provider's per-request range limit).
 * `changedSince`: the vendor tells what changed since a time (Withings `lastupdate`), so a sync
 * asks for that instead of a range of measurement times, and a device's late upload is in it.
 * `uploaded`: the type holds only what the device uploaded, so a sync reads no further than the
 * source's upload horizon, and not at all when nothing was uploaded since its cursor.
 * `everyMs`: values made once a night or a day, so a sync reads the type only once what it would
 * read reaches this far past its cursor (a range reads it always): the calls go to the types that
 * change between pulls.
 */
export type DataType = {
  readonly name: string;
  readonly maxDays: number;
  readonly changedSince?: boolean;
  readonly uploaded?: boolean;
  readonly everyMs?: number;
};

/**
 * How far a connection's devices have uploaded, which no cursor passes (so a device that syncs
 * days late has its days read then): `listedDevices`, the earliest last sync of the devices the
 * vendor lists (its `devices` type, read first); `latestData`, the latest data time any of the
 * connection's devices delivered (a vendor without a device list). Absent: the vendor says what
 * changed (`DataType.changedSince`), or nothing is held back.
 */
export type UploadHorizon = 'listedDevices' | 'latestData';

export type DataSource = {
  readonly types: readonly DataType[];
  readonly horizon?: UploadHorizon;
  /** The budgets a token refresh draws on, for a vendor that counts its OAuth calls in a data quota. */
  readonly refreshQuota?: readonly (readonly [string, Quota])[];
  fetch(env: PullEnv, accessToken: string, type: string, window: Window): Promise<Batch>;
};

/** One request covers the whole range (device lists, Polar's 30-day exercise list). */
export const WHOLE_RANGE = 100_000;

/** `3600s` → 60 minutes. */
export const durationSeconds = (s: string | undefined) => (s === undefined ? 0 : Number(s.replace(/s$/, '')));

/** ISO-8601 durations as Polar writes them (`PT2H44M`, `PT4.5S`) in seconds. */
export function isoDurationSeconds(s: string | undefined): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(s ?? '');
  if (!m) return 0;
  return Math.round(Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0));
}
