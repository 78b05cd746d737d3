import type { Knex } from 'knex';
import type { TestClock } from '../test/app-deps.ts';
import type { WearablesHarness } from '../test/provider-simulators/harness.ts';
import { createBudgets } from './budget.ts';
import type { PullDeps } from './pull.ts';

/**
 * Test tooling for the pulls: dependencies whose rate-limit waits move the test clock instead of
 * sleeping (the simulators share that clock, so their quota windows move with it), and a reader
 * of a table's rows for exact comparisons.
 */
export function pullDeps(wearables: WearablesHarness, clock: TestClock): PullDeps & { slept: number[] } {
  const slept: number[] = [];
  const budgets = createBudgets(clock, (ms) => {
    slept.push(ms);
    clock.advance(ms);
    return Promise.resolve();
  });
  return { ...wearables.deps, budgets, slept };
}

export const UNIFIED_TABLES = [
  'heart_rate',
  'resting_heart_rate',
  'steps',
  'daily_activity',
  'sleep_sessions',
  'sleep_stages',
  'body_measurements',
  'spo2',
  'hrv',
  'respiratory_rate',
  'exercises',
  'device_status',
] as const;

/** A connection's rows of a table, without its keys, in a stable order. */
export async function rowsOf(db: Knex, table: string, connectionId: number, orderBy: string[]) {
  const rows = (await db(table).where({ connection_id: connectionId }).orderBy(orderBy)) as Record<string, unknown>[];
  return rows.map(({ connection_id: _c, participant_id: _p, ...rest }) =>
    Object.fromEntries(
      Object.entries(rest).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+\.\d+$/.test(v) ? Number(v) : v])
    )
  );
}

/** Everything a connection holds in the unified tables: for "re-running changes nothing". */
export async function snapshot(db: Knex, connectionId: number) {
  const out: Record<string, unknown[]> = {};
  for (const table of UNIFIED_TABLES) {
    const rows = (await db(table).where({ connection_id: connectionId })) as Record<string, unknown>[];
    // When a device list was last read moves with the clock; what it said must not.
    out[table] = rows.map(({ last_seen_at: _seen, ...row }) => row);
  }
  return out;
}
