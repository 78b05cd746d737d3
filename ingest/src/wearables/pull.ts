import type { Knex } from 'knex';
import { type AccessDeps, withAccessToken } from '../connections/access.ts';
import { ConnectionUnusableError } from '../connections/errors.ts';
import { splitScopes } from '../connections/store.ts';
import type { TokenDeps } from '../connections/refresh.ts';
import type { ProviderId } from '../providers/provider.ts';
import { type Budgets, PLAN_SHARE, QuotaDeferredError } from './budget.ts';
import type { DataType, PullEnv, Window } from './source.ts';
import type { Batch } from './rows.ts';
import { vendorOf } from '../vendors/registry.ts';
import { DAY_MS, utcDate, windows } from './time.ts';
import { countedFetch, type Metrics } from '../metrics/metrics.ts';
import { writeBatch } from './writer.ts';
import type { UploadArchive } from '../uploads/archive.ts';
import { wearableArchiveFolder } from './archive-folder.ts';
import { grantedMeasurements, readsType } from './measurements.ts';
import { findStudyMeasurements } from '../study-measurements/store.ts';

/** `metrics`: when given, vendor calls and finished pulls are counted. */
export type PullDeps = TokenDeps & {
  readonly budgets: Budgets;
  readonly fetchFn?: typeof fetch;
  readonly metrics?: Metrics;
  /** Where vendor files kept whole go (ECG signals); without it they are not fetched. */
  readonly archive?: UploadArchive;
};

/**
 * `sync`: each data type from its cursor (`unitsOf`) up to `to`. `range`: every type over exactly
 * [from, to).
 */
export type PullPlan =
  | { readonly mode: 'sync'; readonly to: Date; readonly rereadMs: number; readonly backfillFrom: Date }
  | { readonly mode: 'range'; readonly from: Date; readonly to: Date };

export type Progress = { pct: number; rowsWritten: number; currentDay: string | null; errors: string[] };

export type PullResult = Progress & { ok: boolean };

type Target = {
  id: number;
  participantId: number;
  studyId: number;
  provider: ProviderId;
  timeZone: string;
  scopesGranted: string[] | null;
};

async function loadTarget(db: Knex, connectionId: number): Promise<Target> {
  const row = (await db('device_connections as c')
    .join('participants as p', 'p.id', 'c.participant_id')
    .join('studies as s', 's.id', 'p.study_id')
    .where('c.id', connectionId)
    .first('c.id', 'c.participant_id', 'c.provider', 'c.scopes_granted', 's.timezone', 's.id as study_id')) as
    | {
        id: number;
        participant_id: number;
        provider: ProviderId;
        scopes_granted: string | null;
        timezone: string;
        study_id: number;
      }
    | undefined;
  if (!row) throw new Error(`connection ${connectionId} does not exist`);
  return {
    id: row.id,
    participantId: row.participant_id,
    studyId: row.study_id,
    provider: row.provider,
    timeZone: row.timezone,
    scopesGranted: splitScopes(row.scopes_granted),
  };
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
 * What a sync knows of how far the devices uploaded: an instant; `none`, nothing to hold back
 * for (the vendor lists no device that ever synced); `unknown`, not learnt (the device list failed,
 * or the devices never delivered anything), so nothing that needs an upload is read and no cursor
 * moves.
 */
type Horizon = Date | 'none' | 'unknown';

/** Tolerance for the vendor's clock against ours when asking what changed since a cursor. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The windows of one type. A range reads exactly [from, to). A sync reads what changed since the
 * cursor where the vendor says so; otherwise from the cursor less the re-read window (the backfill
 * start when it has none) up to `to`, and, for data only an upload brings, no further than the
 * horizon and not at all when nothing was uploaded since the cursor. `fromCursor`: the horizon is
 * the data itself (Polar), so nothing before the cursor can have been uploaded since: no re-read.
 */
function unitsOf(
  type: DataType,
  plan: PullPlan,
  cursor: Date | undefined,
  horizon: Horizon,
  fromCursor: boolean
): Window[] {
  if (plan.mode === 'range') return windows(plan.from, plan.to, type.maxDays);
  if (type.changedSince && cursor) {
    return [{ from: cursor, to: plan.to, changedSince: new Date(cursor.getTime() - CLOCK_SKEW_MS) }];
  }
  let to = plan.to;
  if (type.uploaded && horizon !== 'none') {
    if (horizon === 'unknown' || (cursor && horizon <= cursor)) return [];
    if (horizon < to) to = horizon;
  }
  if (type.everyMs && cursor && to.getTime() - cursor.getTime() < type.everyMs) return [];
  if (cursor && fromCursor) return windows(cursor, to, type.maxDays);
  // A cursor held back by a device that has not synced is read from however far back it is, up to
  // the year the vendors serve (Polar's activities: 365 days back).
  const floor = cursor ? plan.to.getTime() - 365 * DAY_MS : plan.backfillFrom.getTime();
  const from = Math.max(
    Math.min((cursor ?? plan.backfillFrom).getTime() - plan.rereadMs, plan.to.getTime() - DAY_MS),
    floor
  );
  return windows(new Date(from), to, type.maxDays);
}

/**
 * Just after the earliest last sync of the listed devices that synced since the backfill start
 * (older ones are retired): what a device recorded up to and including its last sync is uploaded.
 */
function listedHorizon(devices: Batch['devices'], backfillFrom: Date): Horizon {
  const syncs = devices.flatMap((d) => (d.last_sync_at ? [d.last_sync_at.getTime()] : []));
  if (syncs.length === 0) return 'none';
  const recent = syncs.filter((t) => t >= backfillFrom.getTime());
  return new Date((recent.length > 0 ? Math.min(...recent) : Math.max(...syncs)) + 1);
}

async function latestData(db: Knex, connectionId: number): Promise<Horizon> {
  const row = (await db('device_status').where({ connection_id: connectionId }).max({ at: 'last_sync_at' }).first()) as
    { at: Date | null } | undefined;
  return row?.at ?? 'unknown';
}

/**
 * Pulls one connection: each data type in windows no longer than the provider's range limit,
 * every window written idempotently and its cursor advanced (never moved back, and in a sync
 * never past what the devices uploaded), with progress reported after each window. A failing
 * window is recorded and the rest go on; a connection that needs re-consent stops the pull; a
 * spent quota (`QuotaDeferredError`) is thrown to the caller.
 */
export async function pullConnection(
  deps: PullDeps,
  connectionId: number,
  plan: PullPlan,
  onProgress: (p: Progress) => Promise<void> = () => Promise.resolve()
): Promise<PullResult> {
  const { db } = deps;
  const target = await loadTarget(db, connectionId);
  const source = vendorOf(target.provider).source;
  const cursors = await readCursors(db, connectionId);
  const measurements = grantedMeasurements(
    target.provider,
    (await findStudyMeasurements(db, target.studyId)).measurements,
    target.scopesGranted
  );
  let limits: Record<string, unknown> = {};
  const env: PullEnv = {
    fetchFn: deps.metrics
      ? countedFetch(deps.metrics, target.provider, deps.fetchFn ?? globalThis.fetch)
      : (deps.fetchFn ?? globalThis.fetch),
    budgets: deps.budgets,
    config: deps.config.wearables,
    connectionId,
    timeZone: target.timeZone,
    db,
    clock: deps.clock,
    observe: (seen) => void (limits = { ...seen, seenAt: deps.clock().toISOString() }),
    collects: (m) => measurements.includes(m),
    ...(deps.archive && { rawArchive: rawArchiveOf(deps.archive, target) }),
  };
  const refreshQuota = source.refreshQuota;
  const tokenDeps: AccessDeps = refreshQuota
    ? { ...deps, refreshWithin: (refresh) => deps.budgets.limited(refreshQuota, refresh) }
    : deps;
  const progress: Progress = { pct: 0, rowsWritten: 0, currentDay: null, errors: [] };
  // Known only once the device list is read (listed devices) or from the data so far (latest data).
  let horizon: Horizon = plan.mode === 'sync' && source.horizon ? 'unknown' : 'none';
  const holds = (type: DataType) => !(source.horizon === 'listedDevices' && type.name === 'devices');
  let stopped = false;
  for (const [t, type] of source.types.entries()) {
    // Not chosen by the study: no call, no quota spent, and its cursor stays where it was.
    if (!readsType(target.provider, type.name, measurements)) continue;
    if (plan.mode === 'sync' && source.horizon === 'latestData') horizon = await latestData(db, connectionId);
    const fromCursor = source.horizon === 'latestData' && type.uploaded === true;
    const units = unitsOf(type, plan, cursors.get(type.name), horizon, fromCursor);
    for (const [i, window] of units.entries()) {
      progress.currentDay = utcDate(window.from);
      try {
        const batch = await withAccessToken(tokenDeps, connectionId, (token) =>
          source.fetch(env, token, type.name, window)
        );
        progress.rowsWritten += await writeBatch(
          db,
          { connectionId, participantId: target.participantId, source: target.provider },
          batch,
          deps.clock()
        );
        if (plan.mode === 'sync' && source.horizon === 'listedDevices' && type.name === 'devices') {
          horizon = listedHorizon(batch.devices, plan.backfillFrom);
        }
        if (plan.mode === 'sync' && source.horizon === 'latestData') horizon = await latestData(db, connectionId);
        const until = !holds(type) || horizon === 'none' ? window.to : horizon;
        if (until !== 'unknown') {
          await advanceCursor(
            db,
            connectionId,
            type.name,
            new Date(Math.min(window.to.getTime(), until.getTime())),
            deps.clock()
          );
        }
      } catch (err) {
        // The job is put back for when the quota resets; the windows pulled so far are kept.
        if (err instanceof QuotaDeferredError) throw err;
        progress.errors.push(
          `${type.name} ${utcDate(window.from)}: ${err instanceof Error ? err.message : String(err)}`
        );
        if (err instanceof ConnectionUnusableError) stopped = true;
      }
      progress.pct = Math.floor(((t + (i + 1) / units.length) * 100) / source.types.length);
      await onProgress(progress);
      if (stopped) break;
    }
    if (stopped) break;
  }
  const ok = progress.errors.length === 0;
  await recordPull(deps, target, ok, progress.errors.at(-1) ?? null, rateLimits(deps, target, limits));
  return { ...progress, pct: 100, ok };
}

function rawArchiveOf(archive: UploadArchive, target: Target) {
  const folder = wearableArchiveFolder(target.studyId, target.participantId);
  return {
    async put(name: string, bytes: Buffer) {
      const key = `${folder}/${name}`;
      await archive.put(target.studyId, key, bytes);
      return key;
    },
  };
}

async function advanceCursor(db: Knex, connectionId: number, type: string, to: Date, now: Date) {
  await db('wearable_cursors')
    .insert({ connection_id: connectionId, data_type: type, synced_until: to, updated_at: now })
    .onConflict()
    .merge({ synced_until: db.raw('GREATEST(synced_until, VALUES(synced_until))'), updated_at: now });
}

function rateLimits(deps: PullDeps, target: Target, seen: Record<string, unknown>): Record<string, unknown> {
  const { rateLimits } = vendorOf(target.provider);
  const key = rateLimits.key(target.id);
  return {
    key,
    plannedShare: PLAN_SHARE,
    ...deps.budgets.usage(key),
    ...(rateLimits.headers && { headers: seen }),
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
