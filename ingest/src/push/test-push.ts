import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { AppDeps } from '../app-env.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { registerPushMetrics } from '../metrics/metrics.ts';
import { findParticipant } from '../participants/store.ts';
import { recordCredentialProblem, sendingAccount } from './credential-store.ts';
import { createFcmSender, type SendOutcome } from './fcm.ts';
import { textMessage, type Platform } from './messages.ts';
import { activeTokens, retireToken } from './sender.ts';

/** What the phone shows: plain words, nothing about the patient. */
export const TEST_MESSAGE = 'Test notification from your study team: notifications reach this phone.';

export type TestPushResult = {
  outcome: 'sent' | 'unregistered' | 'rejected' | 'credential_refused' | 'unavailable';
  message: string;
  notification: {
    id: number;
    uuid: string;
    state: 'sent' | 'failed';
    platform: Platform;
    sentAt: Date | null;
    error: string | null;
  };
};

type Deps = Pick<AppDeps, 'db' | 'vault' | 'config' | 'metrics'>;

/**
 * Sends one visible message push to a participant's phone now, through the same FCM client, token
 * choice and error handling as scheduled pushes (an UNREGISTERED token is retired, a refused
 * credential is recorded and stops the sender), and records it in the participant's history as
 * kind `test`. It is never retried: the admin sees the outcome and decides. What prevents sending
 * at all (unknown participant, no credentials, credentials already refused, no live token) is an
 * error, and nothing is recorded.
 */
export async function sendTestPush(
  deps: Deps,
  participantId: number,
  now: Date,
  audit: (trx: Knex, result: TestPushResult, studyId: number) => Promise<void> = () => Promise.resolve()
): Promise<TestPushResult> {
  const { db } = deps;
  const participant = await findParticipant(db, participantId);
  if (!participant) throw new NotFoundError(`participant ${participantId} does not exist`);
  if (participant.deletedAt) throw new ConflictError(`participant ${participantId} is deleted: restore it first`);
  const account = await sendingAccount(db, deps.vault);
  if (!account)
    throw new ConflictError('no Firebase service account is configured: add it under Operations → Push notifications');
  if (account.problem !== null)
    throw new ConflictError(
      `Google refused the Firebase service account (${account.problem}): nothing is sent until it is replaced`
    );
  const token = (await activeTokens(db, [participantId])).get(participantId);
  if (token === undefined)
    throw new ConflictError(
      `participant ${participantId} has no registered phone token: the Beiwe app sends one after registration`
    );
  const phone = (await db('beiwe_participants').where({ participant_id: participantId }).first('os_type')) as
    { os_type: string | null } | undefined;
  const platform: Platform = phone?.os_type === 'IOS' ? 'IOS' : 'ANDROID';

  const fcm = createFcmSender(account.account, deps.config.push);
  const outcome: SendOutcome = await fcm.send(textMessage({ platform, token, text: TEST_MESSAGE }));
  const metrics = registerPushMetrics(deps.metrics);
  const labels = { platform: platform.toLowerCase() };
  if (outcome.kind === 'sent') metrics.sent.inc(labels);
  else metrics.failed.inc({ ...labels, reason: outcome.kind === 'credential' ? 'credential' : outcome.reason });

  const { result, retire, problem } = describe(outcome);
  const uuid = randomUUID();
  return db.transaction(async (trx) => {
    if (retire) await retireToken(trx, token, now);
    if (problem) await recordCredentialProblem(trx, fcm.projectId, problem, now);
    const [id] = await trx('push_notifications').insert({
      participant_id: participantId,
      kind: 'test',
      survey_id: null,
      schedule_type: null,
      scheduled_for: now,
      time_zone: 'UTC',
      uuid,
      resend: 0,
      dedupe_key: `test:${uuid}`,
      state: result.state,
      due_at: now,
      next_attempt_at: now,
      attempts: 1,
      platform,
      sent_at: result.state === 'sent' ? now : null,
      error: result.error,
      fcm_message_id: outcome.kind === 'sent' ? outcome.messageId : null,
      created_at: now,
    });
    const answer: TestPushResult = {
      outcome: result.outcome,
      message: result.message,
      notification: {
        id: Number(id),
        uuid,
        state: result.state,
        platform,
        sentAt: result.state === 'sent' ? now : null,
        error: result.error,
      },
    };
    await audit(trx, answer, participant.studyId);
    return answer;
  });
}

function describe(outcome: SendOutcome): {
  result: { outcome: TestPushResult['outcome']; state: 'sent' | 'failed'; error: string | null; message: string };
  retire?: boolean;
  problem?: string;
} {
  switch (outcome.kind) {
    case 'sent':
      return { result: { outcome: 'sent', state: 'sent', error: null, message: 'sent: Firebase accepted the push' } };
    case 'unregistered':
      return {
        result: {
          outcome: 'unregistered',
          state: 'failed',
          error: 'unregistered',
          message:
            'FCM refused: UNREGISTERED, the phone no longer has this token (app removed or reinstalled); the token is retired until the app registers a new one',
        },
        retire: true,
      };
    case 'rejected':
      return {
        result: {
          outcome: 'rejected',
          state: 'failed',
          error: outcome.reason,
          message: `FCM refused the message: ${outcome.detail}`,
        },
      };
    case 'retry':
      return {
        result: {
          outcome: 'unavailable',
          state: 'failed',
          error: outcome.reason,
          message: `not sent: Firebase is not taking messages now (${outcome.reason}); try again in a few minutes`,
        },
      };
    case 'credential':
      return {
        result: {
          outcome: 'credential_refused',
          state: 'failed',
          error: 'credential',
          message: `Google refused the Firebase service account (${outcome.reason}: ${outcome.detail}); no push is sent until it is replaced`,
        },
        problem: `${outcome.reason}: ${outcome.detail}`,
      };
  }
}
