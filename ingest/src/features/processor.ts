import type { Knex } from 'knex';
import type { UploadProcessor } from '../uploads/worker.ts';
import { computeParticipantDays } from './compute.ts';
import { takeFeatureDays } from './dirty.ts';

/**
 * Runs after the stream processor in the worker's transaction: recomputes the features of the days
 * the batch's rows landed in (the stream processor marks them), so an upload's rows and the
 * features they change commit together. Each day's GPS comes from the per-minute rollup, and no
 * feature reads raw accelerometer rows.
 */
export function createFeatureProcessor(deps: { clock: () => Date }): UploadProcessor {
  return async ({ trx, items }) => {
    const participants = [...new Set(items.map((i) => i.upload.participantId))].sort((a, b) => a - b);
    if (participants.length === 0) return;
    for (const [participantId, days] of await takeFeatureDays(trx, participants))
      await computeParticipantDays(trx, participantId, days, deps.clock());
  };
}

/** Computes whatever is still marked (days marked outside the upload worker, e.g. by wearable pulls). */
export async function computeMarkedDays(
  db: Knex,
  now: Date
): Promise<{ participants: number; days: number }> {
  return db.transaction(async (trx) => {
    let days = 0;
    const marked = await takeFeatureDays(trx);
    for (const [participantId, list] of marked) {
      await computeParticipantDays(trx, participantId, list, now);
      days += list.length;
    }
    return { participants: marked.size, days };
  });
}
