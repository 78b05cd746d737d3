import type { Knex } from 'knex';
import type { WearablesConfig } from '../../providers/config.ts';
import type { Budgets } from '../budget.ts';
import type { Batch } from '../rows.ts';

export type Window = { readonly from: Date; readonly to: Date };

/** What a provider's pull code gets for one connection. */
export type PullEnv = {
  readonly fetchFn: typeof fetch;
  readonly budgets: Budgets;
  readonly config: WearablesConfig;
  readonly connectionId: number;
  /** The study's zone: for providers that give local times without an offset (Polar). */
  readonly timeZone: string;
  readonly db: Knex;
  /** Rate-limit facts worth keeping on the connection (Polar's RateLimit headers). */
  observe(limits: Record<string, unknown>): void;
};

/** A data type read in windows of at most `maxDays` (the provider's per-request range limit). */
export type DataType = { readonly name: string; readonly maxDays: number };

export type DataSource = {
  readonly types: readonly DataType[];
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
