import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { AppDeps } from '../app-env.ts';
import { registerPushMetrics } from '../metrics/metrics.ts';
import { currentDeviceSettings } from '../study-config/device-settings-store.ts';
import { recordCredentialProblem, sendingAccount } from './credential-store.ts';
import { createFcmSender, type FcmSender, type SendOutcome } from './fcm.ts';
import { nonce, surveyMessage, textMessage, type FcmMessage, type Platform } from './messages.ts';

/** Attempts at one push before it is recorded as failed (retries are minutes apart). */
export const MAX_ATTEMPTS = 5;
const BATCH = 500;
const CONCURRENCY = 20;

type Claimed = {
  id: number;
  participant_id: number;
  kind: string;
  uuid: string;
  due_at: Date;
  attempts: number;
  platform: string | null;
  survey_object_id: string | null;
  study_id: number;
};

export type SendResult = { sent: number; failed: number; retried: number; skipped: number; stopped?: string };

type Deps = Pick<AppDeps, 'db' | 'vault' | 'config' | 'metrics'>;

/**
 * Sends the pushes that are due. Rows are claimed with a lease (an UPDATE … LIMIT of rows nobody
 * holds), so several processes share the work and each push goes out once. A participant's pushes
 * due together go as one message (Beiwe lists the surveys in `survey_ids`). FCM's answer decides
 * the row: sent; failed (token unregistered, which also retires the token, or refused); retried
 * with backoff (quota, outage); or, when Google refuses the service account, put back untouched,
 * the problem recorded for operators, and nothing more sent until the credentials change.
 */
export function createPushSender(
  deps: Deps,
  worker = `push-${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
) {
  const metrics = registerPushMetrics(deps.metrics);
  let cached: { key: string; sender: FcmSender } | undefined;

  async function sender(): Promise<FcmSender | string> {
    const found = await sendingAccount(deps.db, deps.vault);
    if (!found) return 'no_credentials';
    if (found.problem !== null) return 'credential_problem';
    const key = `${found.account.private_key_id}:${found.account.project_id}`;
    if (cached?.key !== key) cached = { key, sender: createFcmSender(found.account, deps.config.push) };
    return cached.sender;
  }

  return async function sendDue(now: Date): Promise<SendResult> {
    const { db } = deps;
    const result: SendResult = { sent: 0, failed: 0, retried: 0, skipped: 0 };
    // Due longer ago than the grace period: never sent late, recorded instead.
    result.skipped = await db('push_notifications')
      .where({ state: 'scheduled' })
      .where('due_at', '<', new Date(now.getTime() - deps.config.push.graceMs))
      .where((q) => void q.whereNull('lease_until').orWhere('lease_until', '<', now))
      .update({
        state: 'skipped',
        error: db.raw("COALESCE(error, 'past_grace')"),
        lease_holder: null,
        lease_until: null,
      });
    const found = await sender();
    if (typeof found === 'string') return { ...result, stopped: found };
    const fcm: FcmSender = found;
    for (;;) {
      const claimed = await claim(db, worker, now, deps.config.worker.leaseMs);
      if (claimed.length === 0) return result;
      const groups = new Map<string, Claimed[]>();
      for (const row of claimed) {
        const key = `${row.participant_id}:${row.kind}`;
        groups.set(key, [...(groups.get(key) ?? []), row]);
      }
      const tokens = await activeTokens(db, [...new Set(claimed.map((r) => r.participant_id))]);
      let stop: string | undefined;
      const queue = [...groups.values()];
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let rows = queue.shift(); rows && !stop; rows = queue.shift()) {
            const outcome = await sendGroup(rows, tokens.get(rows[0]!.participant_id));
            if (outcome === 'stop') stop = 'credential_problem';
          }
        })
      );
      // Claimed but not tried (the credential was refused meanwhile): free again at once.
      await db('push_notifications')
        .whereIn(
          'id',
          claimed.map((r) => r.id)
        )
        .where({ state: 'scheduled', lease_holder: worker })
        .update({ lease_holder: null, lease_until: null });
      if (stop) return { ...result, stopped: stop };
    }

    async function sendGroup(rows: Claimed[], token: string | undefined): Promise<'stop' | void> {
      const first = rows[0]!;
      const platform: Platform = first.platform === 'IOS' ? 'IOS' : 'ANDROID';
      const ids = rows.map((r) => r.id);
      const mine = () => db('push_notifications').whereIn('id', ids).where({ lease_holder: worker });
      const finish = (columns: Record<string, unknown>) =>
        mine().update({ ...columns, attempts: db.raw('attempts + 1'), lease_holder: null, lease_until: null });
      if (token === undefined) {
        await finish({ state: 'failed', error: 'no_token' });
        metrics.failed.inc({ platform: platform.toLowerCase(), reason: 'no_token' });
        result.failed += rows.length;
        return;
      }
      const message =
        first.kind === 'survey'
          ? surveyPush(rows, platform, token, now)
          : textMessage({ platform, token, text: (await currentDeviceSettings(db, first.study_id)).heartbeat_message });
      const outcome: SendOutcome = await fcm.send(message);
      const labels = { platform: platform.toLowerCase() };
      switch (outcome.kind) {
        case 'sent':
          await finish({ state: 'sent', sent_at: now, fcm_message_id: outcome.messageId, error: null });
          metrics.sent.inc(labels, rows.length);
          result.sent += rows.length;
          return;
        case 'unregistered':
          await retireToken(db, token, now);
          await finish({ state: 'failed', error: 'unregistered' });
          break;
        case 'rejected':
          await finish({ state: 'failed', error: outcome.reason });
          break;
        case 'retry': {
          const attempts = Math.max(...rows.map((r) => r.attempts)) + 1;
          if (attempts >= MAX_ATTEMPTS) {
            await finish({ state: 'failed', error: outcome.reason });
            break;
          }
          // FCM asks for exponential backoff, at least what Retry-After says: 30 s, 1, 2, 4 minutes.
          const backoff = Math.max(outcome.retryAfterMs ?? 0, 30_000 * 2 ** (attempts - 1));
          await finish({ next_attempt_at: new Date(now.getTime() + backoff), error: outcome.reason });
          metrics.failed.inc({ ...labels, reason: outcome.reason }, rows.length);
          result.retried += rows.length;
          return;
        }
        case 'credential':
          await recordCredentialProblem(db, fcm.projectId, `${outcome.reason}: ${outcome.detail}`, now);
          await mine().update({ lease_holder: null, lease_until: null });
          metrics.failed.inc({ ...labels, reason: 'credential' }, rows.length);
          return 'stop';
      }
      metrics.failed.inc({ ...labels, reason: outcome.reason }, rows.length);
      result.failed += rows.length;
    }
  };
}

function surveyPush(rows: Claimed[], platform: Platform, token: string, now: Date): FcmMessage {
  const uuidsBySurvey = new Map<string, string[]>();
  for (const r of rows)
    uuidsBySurvey.set(r.survey_object_id!, [...(uuidsBySurvey.get(r.survey_object_id!) ?? []), r.uuid]);
  return surveyMessage({ platform, token, uuidsBySurvey, sentAt: now, nonce: nonce() });
}

async function claim(db: Knex, worker: string, now: Date, leaseMs: number): Promise<Claimed[]> {
  const until = new Date(now.getTime() + leaseMs);
  // Rows another process is claiming are skipped, not waited for: a single UPDATE … ORDER BY LIMIT
  // from two processes, while the planner inserts, deadlocked (seen in CI).
  await db.transaction(async (trx) => {
    const ids = (
      (await trx('push_notifications')
        .where({ state: 'scheduled' })
        .where('next_attempt_at', '<=', now)
        .where((q) => void q.whereNull('lease_until').orWhere('lease_until', '<', now))
        .orderBy('next_attempt_at')
        .limit(BATCH)
        .forUpdate()
        .skipLocked()
        .select('id')) as { id: number }[]
    ).map((r) => r.id);
    if (ids.length > 0)
      await trx('push_notifications').whereIn('id', ids).update({ lease_holder: worker, lease_until: until });
  });
  return (await db('push_notifications as n')
    .join('participants as p', 'p.id', 'n.participant_id')
    .leftJoin('surveys as s', 's.id', 'n.survey_id')
    .where({ 'n.lease_holder': worker, 'n.state': 'scheduled' })
    .select(
      'n.id',
      'n.participant_id',
      'n.kind',
      'n.uuid',
      'n.due_at',
      'n.attempts',
      'n.platform',
      's.object_id as survey_object_id',
      'p.study_id'
    )
    .orderBy('n.id')) as Claimed[];
}

/** FCM said UNREGISTERED: the phone must register a new token before it gets pushes again. */
export async function retireToken(db: Knex, token: string, now: Date): Promise<void> {
  await db('beiwe_fcm_tokens').where({ token }).whereNull('unregistered_at').update({ unregistered_at: now });
}

/** Each participant's newest live FCM token. */
export async function activeTokens(db: Knex, participantIds: number[]): Promise<Map<number, string>> {
  const rows = (await db('beiwe_fcm_tokens')
    .whereIn('participant_id', participantIds)
    .whereNull('unregistered_at')
    .orderBy('id')
    .select('participant_id', 'token')) as { participant_id: number; token: string }[];
  return new Map(rows.map((r) => [r.participant_id, r.token]));
}
