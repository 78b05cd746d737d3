import { ConflictError, NotFoundError } from '../errors.ts';
import { ProviderGoneError, ScopeMissingError, TokenRejectedError } from '../providers/errors.ts';
import type { Provider } from '../providers/provider.ts';
import { ConnectionUnusableError } from './errors.ts';
import { requireProvider } from './require-provider.ts';
import { refreshTokens, type LiveTokens, type TokenDeps } from './refresh.ts';
import { markNeedsReauth } from './status.ts';
import type { Connection, ReauthReason } from './store.ts';
import { findConnection, withoutTokens } from './store.ts';
import { openTokens } from './tokens.ts';

/** Access tokens are refreshed this long before they expire, so a pull never starts with a dying one. */
export const REFRESH_AHEAD_MS = 5 * 60_000;

export type AccessContext = { readonly connection: Connection; readonly provider: Provider };

/**
 * `refreshWithin`: runs a refresh inside a quota the vendor counts it against (Withings counts
 * every call of the app, its OAuth ones too), waiting for room before the row is locked for it.
 */
export type AccessDeps = TokenDeps & { readonly refreshWithin?: <T>(refresh: () => Promise<T>) => Promise<T> };

const refreshOf = (deps: AccessDeps, connectionId: number, seenVersion: number) => {
  const refresh = () => refreshTokens(deps, connectionId, seenVersion);
  return deps.refreshWithin ? deps.refreshWithin(refresh) : refresh();
};

/**
 * Runs `use` with a working access token for the connection: refreshed ahead of expiry, refreshed
 * once more and retried when the provider rejects it (`use` throws TokenRejectedError, so `use` must
 * be safe to repeat), and the connection marked `needs_reauth` when the provider says it is dead,
 * out of scope or on a retired API. Throws ConnectionUnusableError for such connections; rate
 * limits and outages come through as the provider's errors.
 *
 * This is what the data pulls call, e.g.
 * `withAccessToken(deps, id, (token, { provider }) => fetchSteps(token, day))`.
 */
export async function withAccessToken<T>(
  deps: AccessDeps,
  connectionId: number,
  use: (accessToken: string, context: AccessContext) => Promise<T>
): Promise<T> {
  let live = await loadLive(deps, connectionId);
  const provider = requireProvider(deps.config, live.connection.provider);
  if (live.connection.api !== provider.api) return onRetiredApi(deps, live, provider);

  const expiresAt = live.connection.accessExpiresAt;
  if (expiresAt !== null && expiresAt.getTime() - deps.clock().getTime() < REFRESH_AHEAD_MS) {
    live = await refreshOf(deps, connectionId, live.connection.tokenVersion);
  }
  try {
    return await use(live.tokens.accessToken, { connection: live.connection, provider });
  } catch (err) {
    if (!(err instanceof TokenRejectedError) || !provider.refreshes) throw await settle(deps, live.connection, err);
  }
  const renewed = await refreshOf(deps, connectionId, live.connection.tokenVersion);
  try {
    return await use(renewed.tokens.accessToken, { connection: renewed.connection, provider });
  } catch (err) {
    throw await settle(deps, renewed.connection, err);
  }
}

async function loadLive(deps: TokenDeps, connectionId: number): Promise<LiveTokens> {
  const record = await findConnection(deps.db, connectionId);
  if (!record) throw new NotFoundError(`connection ${connectionId} does not exist`);
  const connection = withoutTokens(record);
  if (record.status !== 'active' || record.tokensSealed === null) throw new ConnectionUnusableError(connection);
  return { connection, tokens: openTokens(deps.vault, record.id, record.tokensSealed) };
}

/** Tokens of an API the provider module no longer uses: one probe finds out what became of it. */
async function onRetiredApi(deps: TokenDeps, live: LiveTokens, provider: Provider): Promise<never> {
  try {
    await provider.probe(live.tokens.accessToken, live.connection);
  } catch (err) {
    throw await settle(deps, live.connection, err);
  }
  throw new ConflictError(
    `connection ${live.connection.id} holds ${live.connection.api} tokens, which Vigil no longer uses: send a new connect link`
  );
}

function reasonFor(err: unknown): ReauthReason | null {
  if (err instanceof TokenRejectedError) return 'revoked';
  if (err instanceof ProviderGoneError) return 'legacy_api_gone';
  if (err instanceof ScopeMissingError) return err.reason;
  return null;
}

/** Records what a failed provider call says about the connection, and gives back the error to throw. */
async function settle(deps: TokenDeps, seen: Connection, err: unknown): Promise<unknown> {
  const reason = reasonFor(err);
  if (reason === null) return err;
  const marked = await deps.db.transaction(async (trx) => {
    const current = await findConnection(trx, seen.id, { forUpdate: true });
    // Newer tokens arrived meanwhile (a refresh elsewhere, a new consent): they are not condemned.
    if (!current || current.status !== 'active' || current.tokenVersion !== seen.tokenVersion) return null;
    return markNeedsReauth(trx, withoutTokens(current), reason, deps.clock());
  });
  if (marked) deps.log.warn({ connectionId: seen.id, provider: seen.provider, reason }, 'connection needs re-consent');
  return marked ? new ConnectionUnusableError(marked) : err;
}
