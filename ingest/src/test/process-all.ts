import type { Knex } from 'knex';
import { processNextJob } from '../uploads/worker.ts';

/**
 * Processes every queued upload, as one worker. A job that a busy machine made fail (a lock or
 * statement timeout) is put back with a backoff, which would end the loop with rows missing; here it
 * is made due again at once, a few times, so a test sees every upload processed or a clear error.
 */
export async function processAllUploads(
  db: Knex,
  deps: Parameters<typeof processNextJob>[0],
  worker: string
): Promise<void> {
  for (let round = 0; round < 5; round++) {
    while (await processNextJob(deps, worker));
    const waiting = await db('upload_jobs')
      .whereIn('state', ['queued', 'running'])
      .update({ run_after: new Date(0) });
    if (waiting === 0) return;
  }
  throw new Error('uploads still unprocessed after five rounds');
}
