import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Vault } from '../vault/vault.ts';
import type { UploadArchive } from './archive.ts';
import { decryptUpload, type KeyCache } from './plaintext.ts';
import { claimJobs, completeJobs, failJob, releaseJobs, type ClaimedJob } from './queue.ts';
import { findUploads, recordProcessingResults, setUploadStatus, type Upload } from './store.ts';

export type ProcessItem = { readonly upload: Upload; readonly plaintext: Buffer };
export type RowCounts = { rowsStored: number; rowsRejected: number };

/**
 * What turns decrypted uploads into data. It gets a batch and runs inside the transaction that
 * records the batch's results and completes its jobs, so uploads' rows and their "processed" marks
 * commit together. Returns rows stored and rejected per upload id, if it stores rows.
 */
export type UploadProcessor = (input: {
  trx: Knex;
  items: readonly ProcessItem[];
}) => Promise<ReadonlyMap<number, RowCounts> | void>;

export type WorkerDeps = {
  db: Knex;
  vault: Vault;
  archive: UploadArchive;
  log: Logger;
  clock: () => Date;
  config: Pick<Config, 'worker'>;
  processors: readonly UploadProcessor[];
  metrics: Metrics;
};

/** A batch is decrypted in memory before it is written: large uploads (audio) go in smaller batches. */
const BATCH_MAX_BYTES = 64 * 1024 * 1024;

const workerId = () => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/**
 * Claims a batch of due jobs and processes it in one transaction; returns how many jobs it took
 * (0 when none is due). If the batch fails, its jobs are tried one by one, so one bad upload is
 * retried (and dead-lettered) on its own without holding up the others.
 */
export async function processNextJob(deps: WorkerDeps, worker: string): Promise<number> {
  const { db, log, clock, config } = deps;
  const jobs = await claimJobs(db, worker, clock(), config.worker.leaseMs, config.worker.batchSize, BATCH_MAX_BYTES);
  if (jobs.length === 0) return 0;
  try {
    await processBatch(deps, worker, jobs);
  } catch (err) {
    if (jobs.length === 1) {
      if (err instanceof LeaseLostError) log.warn({ jobId: jobs[0]!.id }, err.message);
      else await recordFailure(deps, worker, jobs[0]!, err);
    } else {
      // A bad upload, or one job taken over by another worker: the rest are still ours to finish.
      for (const job of jobs) {
        await processBatch(deps, worker, [job]).catch(async (single: unknown) => {
          if (single instanceof LeaseLostError) log.warn({ jobId: job.id }, single.message);
          else await recordFailure(deps, worker, job, single);
        });
      }
    }
  }
  return jobs.length;
}

type ProcessItemResult = Awaited<ReturnType<typeof decryptUpload>>;

async function processBatch(deps: WorkerDeps, worker: string, jobs: readonly ClaimedJob[]): Promise<void> {
  const { db, log, clock } = deps;
  const uploads = new Map(
    (
      await findUploads(
        db,
        jobs.map((j) => j.uploadId)
      )
    ).map((u) => [u.id, u])
  );
  const keys: KeyCache = new Map();
  const decrypted: (ProcessItemResult & { upload: Upload })[] = [];
  for (const job of jobs) {
    const upload = uploads.get(job.uploadId);
    if (!upload) throw new Error(`upload ${job.uploadId} no longer exists`);
    decrypted.push({ upload, ...(await decryptUpload(deps, upload, keys)) });
  }
  const counts = await db.transaction(async (trx) => {
    const items = decrypted.flatMap(({ upload, plaintext }) => (plaintext ? [{ upload, plaintext }] : []));
    const counts = new Map<number, RowCounts>();
    for (const processor of deps.processors) {
      for (const [id, c] of (await processor({ trx, items })) ?? []) counts.set(id, c);
    }
    await recordProcessingResults(
      trx,
      decrypted.map(({ upload, result }) => {
        const c = counts.get(upload.id);
        return {
          uploadId: upload.id,
          result: { ...result, rowsStored: c?.rowsStored ?? null, rowsRejected: c?.rowsRejected ?? null },
        };
      }),
      clock()
    );
    // Losing a lease means another worker has that job: roll back rather than record it twice.
    if (!(await completeJobs(trx, jobs, worker, clock()))) throw new LeaseLostError(jobs.map((j) => j.id));
    return counts;
  });
  countProcessed(deps.metrics, decrypted, counts);
  log.debug({ uploads: decrypted.length }, 'uploads processed');
}

/** Counted once the batch has committed, so a rolled-back batch is not counted twice. */
function countProcessed(
  metrics: Metrics,
  decrypted: readonly (ProcessItemResult & { upload: Upload })[],
  counts: ReadonlyMap<number, RowCounts>
): void {
  for (const { upload, result } of decrypted) {
    metrics.uploadsProcessed.inc({ result: result.status });
    const stored = counts.get(upload.id)?.rowsStored ?? 0;
    if (stored > 0) metrics.rowsLoaded.inc({ stream: upload.stream }, stored);
    if (result.status === 'key_error') metrics.decryptErrors.inc({ kind: 'key' });
    if (result.badLines > 0) metrics.decryptErrors.inc({ kind: 'line' }, result.badLines);
  }
}

async function recordFailure(deps: WorkerDeps, worker: string, job: ClaimedJob, err: unknown): Promise<void> {
  const { db, log, clock, config } = deps;
  const message = err instanceof Error ? err.message : String(err);
  const { dead, owned } = await failJob(db, job, worker, message, clock(), config.worker.maxAttempts);
  if (owned && dead) {
    await setUploadStatus(db, [job.uploadId], 'failed', message);
    deps.metrics.uploadsProcessed.inc({ result: 'failed' });
  }
  log.warn(
    { jobId: job.id, uploadId: job.uploadId, attempts: job.attempts, dead, err: message },
    'upload processing failed'
  );
}

class LeaseLostError extends Error {
  constructor(jobIds: readonly number[]) {
    super(`job(s) ${jobIds.join(', ')} taken over by another worker; no result was recorded`);
  }
}

export type Workers = { stop(): Promise<void> };

/**
 * Runs `concurrency` loops that process jobs as they come, polling when the queue is empty and
 * waiting `batchWaitMs` after a batch that was not full, so batches fill under a trickle. A loop
 * that lost the database mid-batch releases that batch's jobs as soon as it reaches the database
 * again, so they resume at once rather than after their lease (which only covers a process that died).
 */
export function startUploadWorkers(deps: WorkerDeps, pollMs = 500): Workers {
  const stop = new AbortController();
  const loops = Array.from({ length: deps.config.worker.concurrency }, async () => {
    const worker = workerId();
    // Set when a batch failed with the database: its jobs may still be marked as this worker's.
    let abandoned = false;
    while (!stop.signal.aborted) {
      let busy = 0;
      try {
        if (abandoned) {
          const released = await releaseJobs(deps.db, worker, deps.clock());
          abandoned = false;
          if (released > 0)
            deps.log.info({ jobs: released }, 'database back: jobs given up during the outage released');
        }
        busy = await processNextJob(deps, worker);
      } catch (err) {
        // The queue itself failed (database down): wait and try again rather than spin.
        abandoned = true;
        deps.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'upload worker could not reach the queue'
        );
      }
      // A short batch means a trickle: let the next batch gather (a bounded wait, see the config).
      const waitMs = !busy ? pollMs : busy < deps.config.worker.batchSize ? deps.config.worker.batchWaitMs : 0;
      if (waitMs > 0) await sleep(waitMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  });
  return {
    async stop() {
      stop.abort();
      await Promise.all(loops);
    },
  };
}
