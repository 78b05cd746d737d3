import type { Knex } from 'knex';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/store.ts';
import type { Connection, ReauthReason } from './store.ts';
import { updateConnection } from './store.ts';

/** The audit target of a connection (study from its participant, so the study's trail shows it). */
export async function connectionTarget(db: Knex, connection: Pick<Connection, 'id' | 'participantId'>) {
  const participant = (await db('participants').where({ id: connection.participantId }).first('study_id')) as
    { study_id: number } | undefined;
  return { type: 'connection', id: connection.id, studyId: participant?.study_id ?? null };
}

export const REAUTH_DETAILS: Record<ReauthReason, string> = {
  revoked: 'the provider no longer accepts this connection (access was removed or revoked): send a new connect link',
  expired: 'the authorisation expired: send a new connect link',
  scope_missing:
    'the patient did not allow everything Vigil asks for: send a new connect link and ask them to tick every box',
  consent_missing: "the patient has not accepted the provider's required consents in their account",
  legacy_api_gone:
    'this connection used the retired Fitbit Web API (switched off in November 2026, now 410 Gone): send a new Fitbit connect link to reconnect through Google',
  google_testing:
    'Google refused the refresh token seven days after consent, as it does for every consent while the Google Cloud project is in Testing status: publish the project to Production (Google Auth Platform, Audience), then send a new connect link (if the patient removed access themselves, the new link is all it takes)',
};

/**
 * Marks a connection as needing the patient's consent again, audited in the same transaction. The
 * tokens stay (a disconnect still tries to revoke them); callers hold the row lock so a newer state
 * is not overwritten.
 */
export async function markNeedsReauth(
  trx: Knex,
  connection: Connection,
  reason: ReauthReason,
  now: Date,
  actor: Actor = SYSTEM_ACTOR,
  requestId?: string
): Promise<Connection> {
  const detail = REAUTH_DETAILS[reason];
  await updateConnection(
    trx,
    connection.id,
    { status: 'needs_reauth', status_reason: reason, status_detail: detail, status_changed_at: now },
    now
  );
  const after: Connection = {
    ...connection,
    status: 'needs_reauth',
    statusReason: reason,
    statusDetail: detail,
    statusChangedAt: now,
    updatedAt: now,
  };
  await recordAudit(trx, now, {
    caller: actor,
    requestId,
    action: 'connection.needs-reauth',
    target: await connectionTarget(trx, connection),
    before: statusOf(connection),
    after: statusOf(after),
  });
  return after;
}

const statusOf = (c: Connection) => ({
  provider: c.provider,
  participantId: c.participantId,
  status: c.status,
  reason: c.statusReason,
});
