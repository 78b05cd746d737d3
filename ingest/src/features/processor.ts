import type { Knex } from 'knex';
import type { UploadProcessor } from '../uploads/worker.ts';
import { computeParticipantDays } from './compute.ts';
import { FEATURE_DELAY_MS, takeFeatureDays } from './dirty.ts';

const due = (now: Date) => new Date(now.getTime() - FEATURE_DELAY_MS);

/**
 * Runs after the stream processor in the worker's transaction: recomputes the features of the
 * batch's participants' days marked at least `FEATURE_DELAY_MS` ago (the stream processor marks the
 * days a batch's rows land in), and clears their marks in the same transaction. Days marked more
 * recently wait for a later batch or the scheduled job. Each day's GPS comes from the per-minute
 * rollup, and no feature reads raw accelerometer rows.
 */
export function createFeatureProcessor(deps: { clock: () => Date }): UploadProcessor {
  return async ({ trx, items }) => {
    const participants = [...new Set(items.map((i) => i.upload.participantId))].sort((a, b) => a - b);
    if (participants.length === 0) return;
    for (const [participantId, days] of await takeFeatureDays(trx, due(deps.clock()), participants))
      await computeParticipantDays(trx, participantId, days, deps.clock());
  };
}

/**
 * Computes the marks that are due and that no upload batch took: days whose uploads stopped coming,
 * and days marked outside the upload worker (wearable pulls). Run every minute by the scheduler.
 */
export async function computeMarkedDays(db: Knex, now: Date): Promise<{ participants: number; days: number }> {
  return db.transaction(async (trx) => {
    let days = 0;
    const marked = await takeFeatureDays(trx, due(now));
    for (const [participantId, list] of marked) {
      await computeParticipantDays(trx, participantId, list, now);
      days += list.length;
    }
    return { participants: marked.size, days };
  });
}
