import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { isDuplicateKey } from '../../db.ts';
import type { Logger } from '../../log.ts';
import type { ProviderId } from '../../providers/provider.ts';
import { enqueuePullJob } from '../jobs.ts';

export type NotificationDeps = {
  readonly db: Knex;
  readonly log: Logger;
  readonly clock: () => Date;
  /** How long an accepted notification is remembered (a copy within it enqueues nothing), and the backfill start. */
  readonly settings: {
    readonly replayWindowMs: number;
    readonly backfillDays: number;
    /** A vendor's connection is pulled on a notification no sooner than this after its last pull. */
    readonly minMinutes?: Partial<Record<ProviderId, number>>;
  };
};

export type Notification = {
  readonly provider: ProviderId;
  /** The vendor's id of the user the notification is about. */
  readonly externalUserId: string;
  /** What makes this notification itself: the same value again is a replay. */
  readonly identity: string;
  /** For the log line: what the vendor said changed. */
  readonly about: Record<string, unknown>;
  readonly requestId: string;
};

/**
 * `enqueued`: a new pull job; `merged`: a pull of the connection was already waiting and now reaches
 * up to now; `replayed`: seen within the replay window; `unknown_user`: no active connection has
 * that vendor account. Only the first two enqueue (or widen) anything.
 */
export type Accepted = 'enqueued' | 'merged' | 'replayed' | 'unknown_user';

const DAY_MS = 86_400_000;
/** Rows past the replay window deleted per accepted notification: enough to keep up, never a long statement. */
const PURGE_BATCH = 200;

export const notificationKey = (identity: string) => createHash('sha256').update(identity).digest('hex');

/**
 * Turns an authentic notification into at most one waiting pull of the connection it is about: the
 * connection's row is locked, the notification remembered (a replay stops there), and a queued pull
 * of the connection widened to now or, when none waits, a new one enqueued (to run no sooner than
 * the vendor's `minMinutes` after the connection's last pull). Whatever the vendor said
 * changed, the pull is a sync pull: its cursors decide what is read.
 */
export async function acceptNotification(deps: NotificationDeps, n: Notification): Promise<Accepted> {
  const now = deps.clock();
  const log = (outcome: Accepted, connectionId?: number, jobId?: number | null) => {
    const fields = { requestId: n.requestId, provider: n.provider, outcome, connectionId, jobId, ...n.about };
    if (outcome === 'unknown_user' || outcome === 'replayed') deps.log.warn(fields, 'vendor notification dropped');
    else deps.log.info(fields, 'vendor notification accepted');
    return outcome;
  };
  const outcome = await deps.db.transaction(async (trx) => {
    const connection = (await trx('device_connections')
      .where({ provider: n.provider, external_user_id: n.externalUserId, status: 'active' })
      .forUpdate()
      .first('id')) as { id: number } | undefined;
    if (!connection) return { outcome: 'unknown_user' as const };
    const key = notificationKey(n.identity);
    let rowId: number;
    try {
      [rowId] = (await trx('wearable_notifications').insert({
        provider: n.provider,
        dedupe_key: key,
        connection_id: connection.id,
        received_at: now,
      })) as [number];
    } catch (err) {
      if (isDuplicateKey(err)) return { outcome: 'replayed' as const, connectionId: connection.id };
      throw err;
    }
    const waiting = (await trx('wearable_pull_jobs')
      .where({ connection_id: connection.id, state: 'queued' })
      .whereNot('kind', 'update_range')
      .orderBy('id')
      .first('id', 'range_to')) as { id: number; range_to: Date } | undefined;
    let jobId: number | null;
    let result: 'enqueued' | 'merged';
    if (waiting) {
      if (waiting.range_to < now) {
        await trx('wearable_pull_jobs').where({ id: waiting.id }).update({ range_to: now, updated_at: now });
      }
      jobId = waiting.id;
      result = 'merged';
    } else {
      // A device's one upload brings a notification per data type (Polar); they all wait for one pull.
      const gapMs = (deps.settings.minMinutes?.[n.provider] ?? 0) * 60_000;
      const last = (await trx('wearable_sync_state').where({ connection_id: connection.id }).first('last_pull_at')) as
        { last_pull_at: Date | null } | undefined;
      const runAfter = last?.last_pull_at ? new Date(last.last_pull_at.getTime() + gapMs) : now;
      jobId = await enqueuePullJob(
        trx,
        {
          kind: 'notification',
          connectionId: connection.id,
          from: new Date(now.getTime() - deps.settings.backfillDays * DAY_MS),
          to: now,
          requestedBy: `notification:${n.provider}`,
          dedupeKey: `notification:${connection.id}:${rowId}`,
          runAfter,
        },
        now
      );
      result = 'enqueued';
    }
    await trx('wearable_notifications').where({ id: rowId }).update({ job_id: jobId });
    return { outcome: result, connectionId: connection.id, jobId };
  });
  if (outcome.outcome === 'enqueued' || outcome.outcome === 'merged') {
    await deps
      .db('wearable_notifications')
      .where('received_at', '<', new Date(now.getTime() - deps.settings.replayWindowMs))
      .limit(PURGE_BATCH)
      .delete();
  }
  return log(outcome.outcome, outcome.connectionId, 'jobId' in outcome ? outcome.jobId : undefined);
}

/** Whether a vendor's send time is inside the replay window (older copies can no longer be told from replays). */
export function withinReplayWindow(sentAt: Date, now: Date, replayWindowMs: number): boolean {
  return Math.abs(now.getTime() - sentAt.getTime()) <= replayWindowMs;
}
