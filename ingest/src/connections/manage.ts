import { recordAudit, type Actor } from '../audit/store.ts';
import { isDuplicateKey } from '../db.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { findParticipant } from '../participants/store.ts';
import { GrantRejectedError, ProviderCallError, TokenRejectedError } from '../providers/errors.ts';
import { providersFor } from '../providers/registry.ts';
import { findStudy } from '../studies/store.ts';
import { withAccessToken } from './access.ts';
import { ConnectionUnusableError } from './errors.ts';
import type { TokenDeps } from './refresh.ts';
import { connectionTarget } from './status.ts';
import type { Connection } from './store.ts';
import { findConnection, updateConnection, withoutTokens } from './store.ts';
import { openTokens } from './tokens.ts';
import { vendorOf } from '../vendors/registry.ts';

type Acting = { caller: Actor; requestId?: string };

export type Disconnected = { connection: Connection; revokedAtProvider: boolean; revokeError: string | null };

/**
 * Ends a connection: revokes the grant at the provider where it can (Google revoke, Withings signed
 * revoke, Polar deregistration), forgets the tokens and keeps the row (and its data) as history.
 * The row lock is held across the revocation, so no refresh can slip a new token in meanwhile. A
 * provider that cannot be reached does not stop the disconnect; the answer and the audit say so.
 */
export async function disconnectConnection(deps: TokenDeps, id: number, acting: Acting): Promise<Disconnected> {
  return deps.db.transaction(async (trx) => {
    const record = await findConnection(trx, id, { forUpdate: true });
    if (!record) throw new NotFoundError(`connection ${id} does not exist`);
    if (record.status === 'disconnected') throw new ConflictError(`connection ${id} is already disconnected`);
    const now = deps.clock();
    let revokedAtProvider = false;
    let revokeError: string | null = null;
    const provider = providersFor(deps.config.wearables).get(record.provider);
    if (record.tokensSealed === null) {
      revokeError = 'no tokens were held';
    } else if (!provider) {
      revokeError = `${record.provider} is not configured on this server`;
    } else {
      const tokens = openTokens(deps.vault, record.id, record.tokensSealed);
      await vendorOf(record.provider).subscriptions?.unsubscribe({ ...deps, db: trx }, record.id, tokens.accessToken);
      try {
        await provider.revoke(tokens, record, now);
        revokedAtProvider = true;
      } catch (err) {
        // Already dead at the provider is as good as revoked.
        if (err instanceof TokenRejectedError || err instanceof GrantRejectedError) revokedAtProvider = true;
        else if (err instanceof ProviderCallError) revokeError = err.message;
        else throw err;
      }
    }
    await updateConnection(
      trx,
      id,
      {
        status: 'disconnected',
        status_reason: 'admin',
        status_detail: null,
        status_changed_at: now,
        disconnected_at: now,
        tokens_sealed: null,
        access_expires_at: null,
        refresh_expires_at: null,
      },
      now
    );
    const before = withoutTokens(record);
    const connection: Connection = {
      ...before,
      status: 'disconnected',
      statusReason: 'admin',
      statusDetail: null,
      statusChangedAt: now,
      disconnectedAt: now,
      accessExpiresAt: null,
      refreshExpiresAt: null,
      updatedAt: now,
    };
    await recordAudit(trx, now, {
      ...acting,
      action: 'connection.disconnect',
      target: await connectionTarget(trx, record),
      before,
      after: { ...connection, revokedAtProvider, revokeError },
    });
    deps.log.info({ connectionId: id, provider: record.provider, revokedAtProvider }, 'connection disconnected');
    return { connection, revokedAtProvider, revokeError };
  });
}

/**
 * Moves a connection (and so the data it brings) to another live participant of the same study:
 * the seed app's "change", for a device handed to the wrong record.
 */
export async function moveConnection(
  deps: TokenDeps,
  id: number,
  targetParticipantId: number,
  acting: Acting
): Promise<Connection> {
  return deps.db.transaction(async (trx) => {
    const record = await findConnection(trx, id, { forUpdate: true });
    if (!record) throw new NotFoundError(`connection ${id} does not exist`);
    const source = await findParticipant(trx, record.participantId);
    const target = await findParticipant(trx, targetParticipantId, { forUpdate: true });
    if (!target) throw new NotFoundError(`participant ${targetParticipantId} does not exist`);
    if (target.id === record.participantId)
      throw new ConflictError(`connection ${id} already belongs to participant ${target.id}`);
    if (target.deletedAt) throw new ConflictError(`participant ${target.id} is deleted: restore it first`);
    if (source && source.studyId !== target.studyId) {
      throw new ConflictError(`participant ${target.id} is in another study: connections move only within a study`);
    }
    if ((await findStudy(trx, target.studyId))?.deletedAt)
      throw new ConflictError(`study ${target.studyId} is deleted`);
    const now = deps.clock();
    await updateConnection(trx, id, { participant_id: target.id }, now).catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
      throw new ConflictError(`participant ${target.id} already has a live ${record.provider} connection`);
    });
    const moved: Connection = { ...withoutTokens(record), participantId: target.id, updatedAt: now };
    await recordAudit(trx, now, {
      ...acting,
      action: 'connection.move',
      target: await connectionTarget(trx, moved),
      before: { participantId: record.participantId, label: source?.label ?? null },
      after: { participantId: target.id, label: target.label },
    });
    return moved;
  });
}

/** One cheap authenticated call through the token vault: refreshes if due, marks a dead grant. */
export async function checkConnection(deps: TokenDeps, id: number): Promise<{ ok: boolean; connection: Connection }> {
  let ok = true;
  try {
    await withAccessToken(deps, id, (token, { connection, provider }) => provider.probe(token, connection));
  } catch (err) {
    if (!(err instanceof ConnectionUnusableError)) throw err;
    ok = false;
  }
  const record = await findConnection(deps.db, id);
  if (!record) throw new NotFoundError(`connection ${id} does not exist`);
  return { ok, connection: withoutTokens(record) };
}
