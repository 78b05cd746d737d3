import type { Knex } from 'knex';
import type { AppDeps } from '../app-env.ts';
import { NotFoundError } from '../errors.ts';
import { GrantRejectedError } from '../providers/errors.ts';
import type { ProviderId, StoredTokens } from '../providers/provider.ts';
import { vendorOf } from '../vendors/registry.ts';
import { ConnectionUnusableError } from './errors.ts';
import { requireProvider } from './require-provider.ts';
import { markNeedsReauth } from './status.ts';
import type { Connection } from './store.ts';
import { findConnection, joinScopes, swapTokens, withoutTokens } from './store.ts';
import { expiryFrom, openTokens, sealTokens } from './tokens.ts';

export type TokenDeps = Pick<AppDeps, 'db' | 'vault' | 'log' | 'clock' | 'config'>;

/** A connection and the tokens of its `tokenVersion`. */
export type LiveTokens = { readonly connection: Connection; readonly tokens: StoredTokens };

// Callers in one process that saw the same version share one refresh; keyed by pool, so two apps
// in one process (as in tests) still meet only at the database lock, like two processes do.
const inflight = new WeakMap<Knex, Map<string, Promise<LiveTokens>>>();

/**
 * Replaces the tokens of version `seenVersion` with fresh ones, once across every process: the row
 * is locked (SELECT … FOR UPDATE) and re-read, and if another process already moved the version on,
 * its tokens are used instead of spending the refresh token again. The new tokens are committed
 * before this returns, so a new access token is never used before its refresh token is saved.
 */
export function refreshTokens(deps: TokenDeps, connectionId: number, seenVersion: number): Promise<LiveTokens> {
  let flights = inflight.get(deps.db);
  if (!flights) inflight.set(deps.db, (flights = new Map<string, Promise<LiveTokens>>()));
  const key = `${connectionId}:${seenVersion}`;
  let flight = flights.get(key);
  if (!flight) {
    flight = refreshUnderLock(deps, connectionId, seenVersion).finally(() => flights.delete(key));
    flights.set(key, flight);
  }
  return flight;
}

type Outcome = { fresh: LiveTokens } | { unusable: Connection; marked?: boolean };

async function refreshUnderLock(deps: TokenDeps, connectionId: number, seenVersion: number): Promise<LiveTokens> {
  const outcome = await deps.db.transaction(async (trx): Promise<Outcome> => {
    const record = await findConnection(trx, connectionId, { forUpdate: true });
    if (!record) throw new NotFoundError(`connection ${connectionId} does not exist`);
    const connection = withoutTokens(record);
    if (record.status !== 'active' || record.tokensSealed === null) return { unusable: connection };
    const tokens = openTokens(deps.vault, record.id, record.tokensSealed);
    if (record.tokenVersion !== seenVersion) return { fresh: { connection, tokens } };

    const provider = requireProvider(deps.config, record.provider);
    const now = deps.clock();
    const refreshExpired = record.refreshExpiresAt !== null && record.refreshExpiresAt <= now;
    if (!provider.refreshes || tokens.refreshToken === null || refreshExpired) {
      return { unusable: await markNeedsReauth(trx, connection, 'expired', now), marked: true };
    }
    let granted;
    try {
      granted = await provider.refresh(tokens.refreshToken);
    } catch (err) {
      // A dead grant is recorded (and committed); anything else leaves the row as it was.
      if (err instanceof GrantRejectedError) {
        const reason = diesLikeTesting(record, now) ? 'google_testing' : 'revoked';
        return { unusable: await markNeedsReauth(trx, connection, reason, now), marked: true };
      }
      throw err;
    }
    // Google rarely sends a new refresh token: the one we hold stays valid.
    const next: StoredTokens = {
      accessToken: granted.accessToken,
      refreshToken: granted.refreshToken ?? tokens.refreshToken,
    };
    const accessExpiresAt = expiryFrom(now, granted.expiresInSeconds);
    const refreshExpiresAt = expiryFrom(now, granted.refreshExpiresInSeconds) ?? record.refreshExpiresAt;
    const scopesGranted = granted.scopes ?? record.scopesGranted;
    const swapped = await swapTokens(
      trx,
      record.id,
      seenVersion,
      {
        tokens_sealed: sealTokens(deps.vault, record.id, next),
        access_expires_at: accessExpiresAt,
        refresh_expires_at: refreshExpiresAt,
        last_refreshed_at: now,
        scopes_granted: scopesGranted === null ? null : joinScopes(scopesGranted),
      },
      now
    );
    if (!swapped) throw new Error(`connection ${record.id}: token version moved under the row lock`);
    deps.log.info({ connectionId: record.id, provider: record.provider, version: seenVersion + 1 }, 'tokens refreshed');
    return {
      fresh: {
        connection: {
          ...connection,
          tokenVersion: seenVersion + 1,
          accessExpiresAt,
          refreshExpiresAt,
          lastRefreshedAt: now,
          scopesGranted: scopesGranted === null ? null : [...scopesGranted],
          updatedAt: now,
        },
        tokens: next,
      },
    };
  });
  if ('unusable' in outcome) {
    const { id, provider, statusReason } = outcome.unusable;
    if (outcome.marked)
      deps.log.warn({ connectionId: id, provider, reason: statusReason }, 'connection needs re-consent');
    throw new ConnectionUnusableError(outcome.unusable);
  }
  return outcome.fresh;
}

/**
 * A vendor that ends every grant of an app in testing some days after consent (`Vendor.testingGrantDays`,
 * Google) refuses then as it does after a patient's revocation, but a revocation falls at any time
 * while a testing expiry falls on that day (the next pull after it, within a day): that is when the
 * fix is the operator's, and the detail says so.
 */
function diesLikeTesting(record: { provider: ProviderId; connectedAt: Date | null }, now: Date): boolean {
  const days = vendorOf(record.provider).testingGrantDays;
  if (days === undefined || record.connectedAt === null) return false;
  const age = now.getTime() - record.connectedAt.getTime();
  return age >= days * 86_400_000 - 3_600_000 && age <= (days + 1) * 86_400_000;
}
