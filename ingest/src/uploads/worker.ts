import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { privateKeyContext } from '../beiwe/credentials/store.ts';
import { decryptBeiweFile } from '../beiwe/protocol/decrypt-file.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Vault } from '../vault/vault.ts';
import type { UploadArchive } from './archive.ts';
import { claimJob, completeJob, failJob } from './queue.ts';
import { findUpload, recordProcessingResult, setUploadStatus, type ProcessingResult, type Upload } from './store.ts';

/**
 * What turns a decrypted upload into data. Runs inside the transaction that records the upload's
 * result and completes its job, so an upload's rows and its "processed" mark commit together.
 */
export type UploadProcessor = (input: { trx: Knex; upload: Upload; plaintext: Buffer }) => Promise<void>;

export type WorkerDeps = {
  db: Knex;
  vault: Vault;
  archive: UploadArchive;
  log: Logger;
  clock: () => Date;
  config: Pick<Config, 'worker'>;
  processors: readonly UploadProcessor[];
};

export const workerId = () => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/** Claims and processes one job; false when none is due. */
export async function processNextJob(deps: WorkerDeps, worker: string): Promise<boolean> {
  const { db, log, clock, config } = deps;
  const job = await claimJob(db, worker, clock(), config.worker.leaseMs);
  if (!job) return false;
  try {
    const upload = await findUpload(db, job.uploadId);
    if (!upload) throw new Error(`upload ${job.uploadId} no longer exists`);
    const { result, plaintext } = await decrypt(deps, upload);
    await db.transaction(async (trx) => {
      if (plaintext) for (const processor of deps.processors) await processor({ trx, upload, plaintext });
      await recordProcessingResult(trx, upload.id, result, clock());
      // Losing the lease means another worker has this job: roll back rather than record it twice.
      if (!(await completeJob(trx, job, worker, clock()))) throw new LeaseLostError(job.id);
    });
    log.debug(
      { uploadId: upload.id, stream: upload.stream, lines: result.lines, badLines: result.badLines },
      'upload processed'
    );
  } catch (err) {
    if (err instanceof LeaseLostError) {
      log.warn({ jobId: job.id }, err.message);
      return true;
    }
    const message = err instanceof Error ? err.message : String(err);
    const { dead, owned } = await failJob(db, job, worker, message, clock(), config.worker.maxAttempts);
    if (owned && dead) await setUploadStatus(db, [job.uploadId], 'failed', message);
    log.warn(
      { jobId: job.id, uploadId: job.uploadId, attempts: job.attempts, dead, err: message },
      'upload processing failed'
    );
  }
  return true;
}

class LeaseLostError extends Error {
  constructor(jobId: number) {
    super(`job ${jobId} was taken over by another worker; its result was not recorded`);
  }
}

async function decrypt(
  deps: WorkerDeps,
  upload: Upload
): Promise<{ result: ProcessingResult; plaintext: Buffer | undefined }> {
  const owner = (await deps
    .db('participants as p')
    .join('beiwe_participants as b', 'b.participant_id', 'p.id')
    .where('p.id', upload.participantId)
    .first('p.study_id', 'b.private_key_sealed')) as { study_id: number; private_key_sealed: string } | undefined;
  if (!owner) throw new Error(`participant ${upload.participantId} has no Beiwe key`);
  const raw = await deps.archive.get(owner.study_id, upload.archiveKey);
  if (!upload.encrypted) {
    return {
      result: { status: 'processed', lines: countLines(raw), badLines: 0, errorCounts: null, error: null },
      plaintext: raw,
    };
  }
  const privateKey = deps.vault
    .open(owner.private_key_sealed, privateKeyContext(upload.participantId))
    .toString('utf8');
  const decrypted = decryptBeiweFile(raw, privateKey);
  if (decrypted.kind === 'key_error') {
    return {
      result: { status: 'key_error', lines: 0, badLines: 0, errorCounts: null, error: decrypted.reason },
      plaintext: undefined,
    };
  }
  if (decrypted.kind === 'empty') {
    return {
      result: { status: 'processed', lines: 0, badLines: 0, errorCounts: null, error: decrypted.reason },
      plaintext: undefined,
    };
  }
  const badLines = Object.values(decrypted.errors).reduce((a, b) => a + b, 0);
  return {
    result: {
      status: 'processed',
      lines: decrypted.lines,
      badLines,
      errorCounts: badLines > 0 ? decrypted.errors : null,
      error: null,
    },
    plaintext: decrypted.plaintext,
  };
}

function countLines(bytes: Buffer): number {
  if (bytes.length === 0) return 0;
  let n = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

export type Workers = { stop(): Promise<void> };

/** Runs `concurrency` loops that process jobs as they come, polling when the queue is empty. */
export function startUploadWorkers(deps: WorkerDeps, pollMs = 500): Workers {
  const stop = new AbortController();
  const loops = Array.from({ length: deps.config.worker.concurrency }, async () => {
    const worker = workerId();
    while (!stop.signal.aborted) {
      let busy = false;
      try {
        busy = await processNextJob(deps, worker);
      } catch (err) {
        // The queue itself failed (database down): wait and try again rather than spin.
        deps.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'upload worker could not reach the queue'
        );
      }
      if (!busy) await sleep(pollMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  });
  return {
    async stop() {
      stop.abort();
      await Promise.all(loops);
    },
  };
}
