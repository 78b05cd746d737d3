import type { Knex } from 'knex';

/**
 * The processing queue over `upload_jobs`. A job is claimed with FOR UPDATE SKIP LOCKED (so workers
 * in several processes never take the same one) and held under a lease; a job whose lease ran out
 * (its worker died) is claimable again. Finishing checks the lease is still ours, so a worker that
 * lost its job to another never records a second result.
 */
export type JobState = 'queued' | 'running' | 'done' | 'dead';

export type ClaimedJob = { id: number; uploadId: number; attempts: number };

/**
 * Claims up to `limit` due jobs (queued and due, or running with a lapsed lease) in one transaction.
 * Batches keep the per-job cost of small uploads (a Wi-Fi scan, a power event) down to a few
 * statements instead of a few transactions.
 */
export async function claimJobs(
  db: Knex,
  worker: string,
  now: Date,
  leaseMs: number,
  limit: number,
  maxBytes = Infinity
): Promise<ClaimedJob[]> {
  return db.transaction(async (trx) => {
    const due = (await trx('upload_jobs as j')
      .join('uploads as u', 'u.id', 'j.upload_id')
      .where((q) => {
        void q.where((d) => void d.where('j.state', 'queued').where('j.run_after', '<=', now));
        void q.orWhere((stale) => void stale.where('j.state', 'running').where('j.lease_until', '<', now));
      })
      .orderBy('j.id')
      .limit(limit)
      // Locks the uploads' rows too (MariaDB has no FOR UPDATE OF); only requeueing touches them.
      .forUpdate()
      .skipLocked()
      .select('j.id', 'j.upload_id', 'j.attempts', 'u.size_bytes')) as {
      id: number;
      upload_id: number;
      attempts: number;
      size_bytes: number | string;
    }[];
    // Up to maxBytes of uploads, but always at least one job, however large.
    let bytes = 0;
    const rows = due.filter((r, i) => (bytes += Number(r.size_bytes)) <= maxBytes || i === 0);
    if (rows.length === 0) return [];
    await trx('upload_jobs')
      .whereIn(
        'id',
        rows.map((r) => r.id)
      )
      .update({
        state: 'running',
        attempts: trx.raw('attempts + 1'),
        locked_by: worker,
        lease_until: new Date(now.getTime() + leaseMs),
        updated_at: now,
      });
    return rows.map((r) => ({ id: Number(r.id), uploadId: Number(r.upload_id), attempts: r.attempts + 1 }));
  });
}

export async function claimJob(db: Knex, worker: string, now: Date, leaseMs: number): Promise<ClaimedJob | undefined> {
  return (await claimJobs(db, worker, now, leaseMs, 1))[0];
}

/** Marks all the jobs done if this worker still holds every one of them; false (and nothing done) otherwise. */
export async function completeJobs(
  trx: Knex,
  jobs: readonly ClaimedJob[],
  worker: string,
  now: Date
): Promise<boolean> {
  const n = await trx('upload_jobs')
    .whereIn(
      'id',
      jobs.map((j) => j.id)
    )
    .where({ state: 'running', locked_by: worker })
    .update({ state: 'done', locked_by: null, lease_until: null, last_error: null, updated_at: now });
  return n === jobs.length;
}

/** Marks the job done if this worker still holds it; false means another worker took it over. */
export function completeJob(db: Knex, job: ClaimedJob, worker: string, now: Date): Promise<boolean> {
  return completeJobs(db, [job], worker, now);
}

/**
 * Puts back in the queue, due now, every job this worker still holds. Only for a worker that gave
 * them up: its batch failed because the database did (so nothing of them is still being written),
 * and without this they would wait out their lease before anyone resumed them.
 */
export async function releaseJobs(db: Knex, worker: string, now: Date): Promise<number> {
  return db('upload_jobs')
    .where({ state: 'running', locked_by: worker })
    .update({ state: 'queued', run_after: now, locked_by: null, lease_until: null, updated_at: now });
}

/** Retries with exponential backoff (30 s, 1 min, 2 min … capped at 1 h) until the attempts run out. */
export async function failJob(
  db: Knex,
  job: ClaimedJob,
  worker: string,
  error: string,
  now: Date,
  maxAttempts: number
): Promise<{ dead: boolean; owned: boolean }> {
  const dead = job.attempts >= maxAttempts;
  const backoffMs = Math.min(3_600_000, 30_000 * 2 ** (job.attempts - 1));
  const n = await db('upload_jobs')
    .where({ id: job.id, state: 'running', locked_by: worker })
    .update({
      state: dead ? 'dead' : 'queued',
      run_after: new Date(now.getTime() + (dead ? 0 : backoffMs)),
      locked_by: null,
      lease_until: null,
      last_error: error.slice(0, 2000),
      updated_at: now,
    });
  return { dead, owned: n === 1 };
}

/** Puts uploads back in the queue: their current job is reset, or one is created. */
export async function requeueUploads(db: Knex, uploadIds: readonly number[], now: Date): Promise<number> {
  if (uploadIds.length === 0) return 0;
  const withJobs = (await db('upload_jobs').whereIn('upload_id', uploadIds).distinct().pluck('upload_id')) as number[];
  await db('upload_jobs')
    .whereIn('upload_id', uploadIds)
    .whereNot('state', 'running')
    .update({ state: 'queued', attempts: 0, run_after: now, last_error: null, updated_at: now });
  const missing = uploadIds.filter((id) => !withJobs.map(Number).includes(id));
  if (missing.length > 0) {
    await db('upload_jobs').insert(
      missing.map((uploadId) => ({
        upload_id: uploadId,
        state: 'queued',
        attempts: 0,
        run_after: now,
        created_at: now,
        updated_at: now,
      }))
    );
  }
  await db('uploads').whereIn('id', uploadIds).update({ status: 'queued' });
  return uploadIds.length;
}

export type QueueStats = {
  queued: number;
  running: number;
  dead: number;
  oldestQueuedAt: Date | null;
  oldestQueuedAgeSeconds: number | null;
};

export async function queueStats(db: Knex, now: Date): Promise<QueueStats> {
  const rows = (await db('upload_jobs')
    .whereIn('state', ['queued', 'running', 'dead'])
    .groupBy('state')
    .select('state', db.raw('COUNT(*) as n'), db.raw('MIN(created_at) as oldest'))) as {
    state: JobState;
    n: number;
    oldest: Date;
  }[];
  const of = (state: JobState) => rows.find((r) => r.state === state);
  const oldest = [of('queued')?.oldest, of('running')?.oldest]
    .filter((d): d is Date => d instanceof Date)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  return {
    queued: Number(of('queued')?.n ?? 0),
    running: Number(of('running')?.n ?? 0),
    dead: Number(of('dead')?.n ?? 0),
    oldestQueuedAt: oldest ?? null,
    oldestQueuedAgeSeconds: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : null,
  };
}
