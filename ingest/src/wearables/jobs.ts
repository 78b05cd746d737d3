import type { Knex } from 'knex';
import type { ProviderId } from '../providers/provider.ts';
import { QuotaDeferredError } from './budget.ts';
import type { Progress, PullDeps, PullPlan } from './pull.ts';
import { pullConnection } from './pull.ts';

/**
 * Pull jobs in `wearable_pull_jobs`, run the way upload jobs are: claimed with FOR UPDATE SKIP
 * LOCKED under a lease (so of several ingest processes one runs a given job), progress written as
 * it goes (and the lease renewed with it), and finished only by the holder of the lease.
 */
export type PullJobKind = 'backfill' | 'daily' | 'incremental' | 'notification' | 'update_now' | 'update_range';

export type NewPullJob = {
  kind: PullJobKind;
  connectionId: number;
  from: Date;
  to: Date;
  requestedBy: string;
  /** Scheduling twice (two processes, a restart) enqueues once. */
  dedupeKey?: string;
  /** Not run before this (now when not given). */
  runAfter?: Date;
};

export async function enqueuePullJob(db: Knex, job: NewPullJob, now: Date): Promise<number | null> {
  const [id] = await db('wearable_pull_jobs')
    .insert({
      kind: job.kind,
      connection_id: job.connectionId,
      range_from: job.from,
      range_to: job.to,
      dedupe_key: job.dedupeKey ?? null,
      state: 'queued',
      requested_by: job.requestedBy,
      run_after: job.runAfter && job.runAfter > now ? job.runAfter : now,
      created_at: now,
      updated_at: now,
    })
    .onConflict('dedupe_key')
    .ignore();
  return id ? Number(id) : null;
}

type JobRow = {
  id: number;
  kind: PullJobKind;
  connection_id: number;
  range_from: Date;
  range_to: Date;
  provider: ProviderId;
};

async function claim(
  db: Knex,
  worker: string,
  now: Date,
  leaseMs: number,
  busy: ReadonlySet<number>,
  provider: ProviderId | undefined
): Promise<JobRow | undefined> {
  return db.transaction(async (trx) => {
    const row = (await trx('wearable_pull_jobs')
      .whereNotIn('connection_id', [...busy])
      .where((q) => {
        if (provider !== undefined)
          void q.whereIn('connection_id', trx('device_connections').select('id').where({ provider }));
      })
      .where((q) => {
        void q.where((due) => void due.where('state', 'queued').where('run_after', '<=', now));
        void q.orWhere((stale) => void stale.where('state', 'running').where('lease_until', '<', now));
      })
      .orderBy('id')
      .forUpdate()
      .skipLocked()
      .first(
        'id',
        'kind',
        'connection_id',
        'range_from',
        'range_to',
        trx.raw('(SELECT provider FROM device_connections d WHERE d.id = wearable_pull_jobs.connection_id) AS provider')
      )) as JobRow | undefined;
    if (!row) return undefined;
    await trx('wearable_pull_jobs')
      .where({ id: row.id })
      .update({
        state: 'running',
        attempts: trx.raw('attempts + 1'),
        locked_by: worker,
        lease_until: new Date(now.getTime() + leaseMs),
        waiting_for: null,
        started_at: now,
        updated_at: now,
      });
    return row;
  });
}

export type RunnerOptions = {
  /** Unique to this runner (process), whose runs never overlap: what it still holds at the start of a run, it gave up. */
  worker: string;
  leaseMs: number;
  rereadMs: number;
  backfillDays: number;
  /**
   * Jobs run at once by this process. Pulls mostly wait on the provider, and the budgets are
   * shared, so a few at a time stay within every quota (1 when not given).
   */
  concurrency?: number;
  /**
   * Only this provider's jobs: each provider has its own runner, so one provider's slowness holds
   * none of another's jobs (all providers when not given).
   */
  provider?: ProviderId;
};

const planOf = (job: JobRow, opts: RunnerOptions): PullPlan =>
  job.kind === 'update_range'
    ? { mode: 'range', from: job.range_from, to: job.range_to }
    : { mode: 'sync', to: job.range_to, rereadMs: opts.rereadMs, backfillFrom: job.range_from };

async function runJob(deps: PullDeps, opts: RunnerOptions, job: JobRow): Promise<void> {
  const mine = { id: job.id, locked_by: opts.worker, state: 'running' };
  const write = async (p: Progress, extra: Record<string, unknown> = {}) => {
    const now = deps.clock();
    await deps
      .db('wearable_pull_jobs')
      .where(mine)
      .update({
        progress_pct: p.pct,
        rows_written: p.rowsWritten,
        current_day: p.currentDay,
        errors: p.errors.length > 0 ? JSON.stringify(p.errors.slice(-50)) : null,
        lease_until: new Date(now.getTime() + opts.leaseMs),
        updated_at: now,
        ...extra,
      });
  };
  let progress: Progress = { pct: 0, rowsWritten: 0, currentDay: null, errors: [] };
  try {
    const result = await pullConnection(deps, job.connection_id, planOf(job, opts), (p) => {
      progress = p;
      return write(p);
    });
    await write(result, { state: result.ok ? 'done' : 'failed', finished_at: deps.clock(), lease_until: null });
    deps.metrics?.wearablePulls.inc({ vendor: job.provider, outcome: result.ok ? 'done' : 'failed' });
    if (result.rowsWritten > 0) deps.metrics?.wearableRows.inc({ vendor: job.provider }, result.rowsWritten);
  } catch (err) {
    deps.metrics?.wearablePulls.inc({
      vendor: job.provider,
      outcome: err instanceof QuotaDeferredError ? 'deferred' : 'failed',
    });
    if (err instanceof QuotaDeferredError) {
      // Back in the queue for when the window resets: a sync pull resumes from its cursors.
      await write(progress, {
        state: 'queued',
        run_after: err.retryAt,
        waiting_for: err.message,
        locked_by: null,
        lease_until: null,
      });
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    await write(
      { pct: 100, rowsWritten: 0, currentDay: null, errors: [message] },
      { state: 'failed', finished_at: deps.clock() }
    );
  }
}

/**
 * Runs due jobs, `concurrency` at a time, until none is left; returns how many ran. Jobs a previous
 * run left marked as this runner's (the database went away before their end was written) are
 * released first, so they resume now rather than when their lease runs out.
 */
export async function runDuePullJobs(deps: PullDeps, opts: RunnerOptions): Promise<number> {
  const now = deps.clock();
  await deps
    .db('wearable_pull_jobs')
    .where({ state: 'running', locked_by: opts.worker })
    .update({ state: 'queued', run_after: now, locked_by: null, lease_until: null, updated_at: now });
  let ran = 0;
  // Two jobs of one connection (a daily pull and an "update now") never run side by side here:
  // claims are taken one at a time, each skipping the connections already running.
  const busy = new Set<number>();
  let claiming: Promise<unknown> = Promise.resolve();
  const next = () => {
    const claimed = claiming.then(async () => {
      const job = await claim(deps.db, opts.worker, deps.clock(), opts.leaseMs, busy, opts.provider);
      if (job) busy.add(job.connection_id);
      return job;
    });
    claiming = claimed.catch(() => undefined);
    return claimed;
  };
  const loop = async () => {
    for (let job = await next(); job; job = await next()) {
      try {
        await runJob(deps, opts, job);
      } finally {
        busy.delete(job.connection_id);
      }
      ran += 1;
    }
  };
  // Every loop is waited for, failed or not: the next run must not start while one still holds a job.
  const loops = await Promise.allSettled(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, loop));
  const failed = loops.find((l) => l.status === 'rejected');
  if (failed) throw failed.reason;
  return ran;
}

export type PullJobView = {
  id: number;
  kind: PullJobKind;
  connectionId: number;
  from: string;
  to: string;
  state: string;
  progressPct: number;
  rowsWritten: number;
  currentDay: string | null;
  errors: string[];
  requestedBy: string;
  /** When a queued job may run: later than its creation when a spent quota put it back. */
  runAfter: string;
  /** Why a queued job waits (a spent quota and when it resets), or null. */
  waitingFor: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

export const PULL_JOB_STATES = ['queued', 'running', 'done', 'failed'] as const;
export type PullJobState = (typeof PULL_JOB_STATES)[number];

const viewColumns = (db: Knex) => ['j.*', db.raw('DATE_FORMAT(j.current_day, "%Y-%m-%d") as current_day_text')];

function toPullJobView(r: Record<string, unknown>): PullJobView {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
  return {
    id: Number(r.id),
    kind: r.kind as PullJobKind,
    connectionId: Number(r.connection_id),
    from: iso(r.range_from) ?? '',
    to: iso(r.range_to) ?? '',
    state: String(r.state),
    progressPct: Number(r.progress_pct),
    rowsWritten: Number(r.rows_written),
    currentDay: (r.current_day_text as string | null) ?? null,
    errors: typeof r.errors === 'string' ? (JSON.parse(r.errors) as string[]) : [],
    requestedBy: String(r.requested_by),
    runAfter: iso(r.run_after) ?? '',
    waitingFor: (r.waiting_for as string | null) ?? null,
    createdAt: iso(r.created_at) ?? '',
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

export async function findPullJob(db: Knex, id: number): Promise<PullJobView | undefined> {
  const r = (await db('wearable_pull_jobs as j').where('j.id', id).first(viewColumns(db))) as
    Record<string, unknown> | undefined;
  return r && toPullJobView(r);
}

export type PullJobFilter = {
  connectionIds?: number[] | undefined;
  participantId?: number | undefined;
  studyId?: number | undefined;
  states?: PullJobState[] | undefined;
  limit: number;
  offset: number;
};

/** Pull jobs, newest first: what a page shows of the scheduled and on-demand pulls it did not start. */
export async function listPullJobs(db: Knex, filter: PullJobFilter): Promise<{ items: PullJobView[]; total: number }> {
  const base = db('wearable_pull_jobs as j').where((q) => {
    if (filter.connectionIds !== undefined) void q.whereIn('j.connection_id', filter.connectionIds);
    if (filter.states !== undefined) void q.whereIn('j.state', filter.states);
  });
  if (filter.participantId !== undefined || filter.studyId !== undefined) {
    void base.join('device_connections as c', 'c.id', 'j.connection_id').where((q) => {
      if (filter.participantId !== undefined) void q.where('c.participant_id', filter.participantId);
      if (filter.studyId !== undefined)
        void q.whereIn('c.participant_id', db('participants').select('id').where('study_id', filter.studyId));
    });
  }
  const [rows, [count]] = await Promise.all([
    base.clone().select(viewColumns(db)).orderBy('j.id', 'desc').limit(filter.limit).offset(filter.offset),
    base.clone().count({ n: '*' }),
  ]);
  return { items: (rows as Record<string, unknown>[]).map(toPullJobView), total: Number(count?.n ?? 0) };
}
