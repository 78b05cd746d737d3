import type { Knex } from 'knex';
import { recordAudit } from '../audit/store.ts';
import { isDuplicateKey } from '../db.ts';
import { findParticipant } from '../participants/store.ts';
import type { AccountIdentity, GrantedTokens, Provider } from '../providers/provider.ts';
import { PATIENT_ACTOR } from './failures.ts';
import type { ConnectLink } from './link-store.ts';
import { completeLink } from './link-store.ts';
import type { ConnectDeps } from './links.ts';
import { connectionTarget, REAUTH_DETAILS } from './status.ts';
import type { Connection, ConnectionChanges } from './store.ts';
import {
  findConnection,
  findLiveConnection,
  insertConnection,
  joinScopes,
  swapTokens,
  updateConnection,
  withoutTokens,
} from './store.ts';
import { expiryFrom, sealTokens } from './tokens.ts';

export type SaveResult =
  | { kind: 'connected' | 'reconnected'; connection: Connection }
  | { kind: 'participant_gone' }
  | { kind: 'account_in_use' };

class AccountInUse extends Error {}

/**
 * Stores a completed consent: the participant's live connection to this provider is renewed in
 * place (a re-consent keeps one continuous record), or a new one is made; the tokens are sealed,
 * the link is completed and the change audited, all in one transaction. The database refuses a
 * second live connection for the same provider account (another participant's): nothing is stored.
 */
export async function saveConnection(
  deps: ConnectDeps,
  link: ConnectLink,
  provider: Provider,
  granted: GrantedTokens,
  identity: AccountIdentity,
  requestId: string
): Promise<SaveResult> {
  const now = deps.clock();
  try {
    return await deps.db.transaction(async (trx): Promise<SaveResult> => {
      const participant = await findParticipant(trx, link.participantId, { forUpdate: true });
      if (!participant || participant.deletedAt) return { kind: 'participant_gone' };
      const existing = await findLiveConnection(trx, participant.id, provider.id, { forUpdate: true });
      const fields: ConnectionChanges = {
        api: provider.api,
        status: 'active',
        status_reason: null,
        status_detail: null,
        status_changed_at: now,
        external_user_id: identity.externalUserId,
        legacy_user_id: identity.legacyUserId,
        scopes_requested: joinScopes(provider.scopes),
        // Polar grants its one scope or nothing and does not echo it.
        scopes_granted: joinScopes(granted.scopes ?? provider.scopes),
        access_expires_at: expiryFrom(now, granted.expiresInSeconds),
        refresh_expires_at: expiryFrom(now, granted.refreshExpiresInSeconds),
        last_refreshed_at: null,
        connected_at: now,
        disconnected_at: null,
      };
      const id = existing
        ? existing.id
        : await insertConnection(
            trx,
            {
              participant_id: participant.id,
              provider: provider.id,
              api: provider.api,
              status: 'active',
              scopes_requested: joinScopes(provider.scopes),
            },
            now
          ).catch(rethrowAccountInUse);
      const tokens = sealTokens(deps.vault, id, {
        accessToken: granted.accessToken,
        refreshToken: granted.refreshToken,
      });
      await swapTokens(trx, id, existing?.tokenVersion ?? 0, { ...fields, tokens_sealed: tokens }, now).catch(
        rethrowAccountInUse
      );
      await completeLink(trx, link.id, id, now);
      const saved = withoutTokens((await findConnection(trx, id))!);
      await recordAudit(trx, now, {
        caller: PATIENT_ACTOR,
        requestId,
        action: existing ? 'connection.reconnect' : 'connection.connect',
        target: await connectionTarget(trx, saved),
        before: existing ? withoutTokens(existing) : null,
        after: { ...saved, linkId: link.id },
      });
      return { kind: existing ? 'reconnected' : 'connected', connection: saved };
    });
  } catch (err) {
    if (err instanceof AccountInUse) return { kind: 'account_in_use' };
    throw err;
  }
}

function rethrowAccountInUse(err: unknown): never {
  throw isDuplicateKey(err) ? new AccountInUse() : err;
}

/**
 * Narrower scopes than requested: no token is kept, but what was granted is recorded on the
 * participant's connection (a new one in `needs_reauth`, or an existing one that already needed
 * re-consent) so admins see it; a working connection is left alone.
 */
export async function recordScopeShortfall(
  trx: Knex,
  link: ConnectLink,
  provider: Provider,
  grantedScopes: readonly string[],
  now: Date
): Promise<void> {
  const existing = await findLiveConnection(trx, link.participantId, provider.id, { forUpdate: true });
  const fields = {
    status: 'needs_reauth' as const,
    status_reason: 'scope_missing',
    status_detail: REAUTH_DETAILS.scope_missing,
    status_changed_at: now,
    scopes_granted: joinScopes(grantedScopes),
  };
  if (!existing) {
    await insertConnection(
      trx,
      {
        participant_id: link.participantId,
        provider: provider.id,
        api: provider.api,
        scopes_requested: joinScopes(provider.scopes),
        ...fields,
      },
      now
    );
  } else if (existing.status === 'needs_reauth') {
    await updateConnection(trx, existing.id, fields, now);
  }
}
