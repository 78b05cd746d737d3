import type { Knex } from 'knex';
import { withAccessToken } from '../connections/access.ts';
import { ConnectionUnusableError } from '../connections/errors.ts';
import type { TokenDeps } from '../connections/refresh.ts';
import type { ProviderId } from '../providers/provider.ts';
import { type Budgets, QuotaDeferredError } from './budget.ts';
import { fitbitSource } from './providers/fitbit.ts';
import { polarSource } from './providers/polar.ts';
import type { DataSource, PullEnv, Window } from './providers/source.ts';
import { withingsSource } from './providers/withings.ts';
import { DAY_MS, utcDate, windows } from './time.ts';
import { writeBatch } from './writer.ts';

export const SOURCES: Record<ProviderId, DataSource> = {
  fitbit: fitbitSource,
  withings: withingsSource,
  polar: polarSource,
};

export type PullDeps = TokenDeps & { readonly budgets: Budgets; readonly fetchFn?: typeof fetch };

/**
 * `sync`: each data type from its cursor less the re-read window (or the backfill start when it
 * has none) up to `to`. `range`: every type over exactly [from, to).
 */
export type PullPlan =
  | { readonly mode: 'sync'; readonly to: Date; readonly rereadMs: number; readonly backfillFrom: Date }
  | { readonly mode: 'range'; readonly from: Date; readonly to: Date };

export type Progress = { pct: number; rowsWritten: number; currentDay: string | null; errors: string[] };

export type PullResult = Progress & { ok: boolean };

type Target = { id: number; participantId: number; provider: ProviderId; timeZone: string };

async function loadTarget(db: Knex, connectionId: number): Promise<Target> {
  const row = (await db('device_connections as c')
    .join('participants as p', 'p.id', 'c.participant_id')
    .join('studies as s', 's.id', 'p.study_id')
    .where('c.id', connectionId)
    .first('c.id', 'c.participant_id', 'c.provider', 's.timezone')) as
    { id: number; participant_id: number; provider: ProviderId; timezone: string } | undefined;
  if (!row) throw new Error(`connection ${connectionId} does not exist`);
  return { id: row.id, participantId: row.participant_id, provider: row.provider, timeZone: row.timezone };
}

export async function readCursors(db: Knex, connectionId: number): Promise<Map<string, Date>> {
  const rows = (await db('wearable_cursors')
    .where({ connection_id: connectionId })
    .select('data_type', 'synced_until')) as {
    data_type: string;
    synced_until: Date;
  }[];
  return new Map(rows.map((r) => [r.data_type, r.synced_until]));
}

/**
 * Pulls one connection: each data type in windows no longer than the provider's range limit,
 * every window written idempotently and its cursor advanced (never moved back), with progress
 * reported after each window. A failing window is recorded and the rest go on; a connection that
 * needs re-consent stops the pull; a spent quota (`QuotaDeferredError`) is thrown to the caller.
 */
export async function pullConnection(
  deps: PullDeps,
  connectionId: number,
  plan: PullPlan,
  onProgress: (p: Progress) => Promise<void> = () => Promise.resolve()
): Promise<PullResult> {
  const { db } = deps;
  const target = await loadTarget(db, connectionId);
  const source = SOURCES[target.provider];
  const cursors = await readCursors(db, connectionId);
  const units = source.types.flatMap((type) => {
    const from =
      plan.mode === 'range'
        ? plan.from
        : new Date(
            Math.max(
              Math.min(
                (cursors.get(type.name)?.getTime() ?? plan.backfillFrom.getTime()) - plan.rereadMs,
                plan.to.getTime() - DAY_MS
              ),
              plan.backfillFrom.getTime()
            )
          );
    return windows(from, plan.to, type.maxDays).map((w) => ({ type: type.name, window: w }));
  });
  let limits: Record<string, unknown> = {};
  const env: PullEnv = {
    fetchFn: deps.fetchFn ?? globalThis.fetch,
    budgets: deps.budgets,
    config: deps.config.wearables,
    connectionId,
    timeZone: target.timeZone,
    db,
    observe: (seen) => void (limits = { ...seen, seenAt: deps.clock().toISOString() }),
  };
  const progress: Progress = { pct: 0, rowsWritten: 0, currentDay: null, errors: [] };
  let stopped = false;
  for (const [i, unit] of units.entries()) {
    progress.currentDay = utcDate(unit.window.from);
    try {
      const batch = await withAccessToken(deps, connectionId, (token) =>
        source.fetch(env, token, unit.type, unit.window)
      );
      progress.rowsWritten += await writeBatch(
        db,
        { connectionId, participantId: target.participantId, source: target.provider },
        batch,
        deps.clock()
      );
      await advanceCursor(db, connectionId, unit.type, unit.window, deps.clock());
    } catch (err) {
      // The job is put back for when the quota resets; the windows pulled so far are kept.
      if (err instanceof QuotaDeferredError) throw err;
      progress.errors.push(
        `${unit.type} ${utcDate(unit.window.from)}: ${err instanceof Error ? err.message : String(err)}`
      );
      if (err instanceof ConnectionUnusableError) stopped = true;
    }
    progress.pct = Math.floor(((i + 1) * 100) / units.length);
    await onProgress(progress);
    if (stopped) break;
  }
  const ok = progress.errors.length === 0;
  await recordPull(deps, target, ok, progress.errors.at(-1) ?? null, rateLimits(deps, target, limits));
  return { ...progress, pct: 100, ok };
}

async function advanceCursor(db: Knex, connectionId: number, type: string, w: Window, now: Date) {
  await db('wearable_cursors')
    .insert({ connection_id: connectionId, data_type: type, synced_until: w.to, updated_at: now })
    .onConflict()
    .merge({ synced_until: db.raw('GREATEST(synced_until, VALUES(synced_until))'), updated_at: now });
}

function rateLimits(deps: PullDeps, target: Target, polarSeen: Record<string, unknown>): Record<string, unknown> {
  const key =
    target.provider === 'fitbit'
      ? `fitbit:user:${target.id}`
      : target.provider === 'withings'
        ? 'withings:app'
        : 'polar:app:short';
  return {
    key,
    plannedShare: 0.8,
    ...deps.budgets.usage(key),
    ...(target.provider === 'polar' && { headers: polarSeen }),
  };
}

async function recordPull(
  deps: PullDeps,
  target: Target,
  ok: boolean,
  error: string | null,
  limits: Record<string, unknown>
) {
  const now = deps.clock();
  const lastSync = (await deps
    .db('device_status')
    .where({ connection_id: target.id })
    .max({ at: 'last_sync_at' })
    .first()) as { at: Date | null } | undefined;
  const row = {
    connection_id: target.id,
    last_device_sync_at: lastSync?.at ?? null,
    last_pull_at: now,
    ...(ok ? { last_success_at: now } : { last_error: error?.slice(0, 500) ?? null, last_error_at: now }),
    rate_limits: JSON.stringify(limits),
    updated_at: now,
  };
  await deps.db('wearable_sync_state').insert(row).onConflict().merge();
}
