import { findParticipant } from '../participants/store.ts';
import { GrantRejectedError, MemberIdTakenError, ProviderCallError, ScopeMissingError } from '../providers/errors.ts';
import { PROVIDER_IDS, type GrantedTokens, type Provider, type ProviderId } from '../providers/provider.ts';
import { displayNameOf, providersFor } from '../providers/registry.ts';
import { recordConnectFailure } from './failures.ts';
import type { ConnectLink } from './link-store.ts';
import { claimLink, findLink, releaseLink } from './link-store.ts';
import { callbackUrlOf, providerForStudy, type ConnectDeps } from './links.ts';
import { resultPage, type Outcome, type Page } from './pages.ts';
import { recordScopeShortfall, saveConnection } from './save.ts';
import { deriveStateKey, hashToken, parseState, stateIsAuthentic } from './state.ts';
import { pkceContext } from './tokens.ts';
import { vendorOf } from '../vendors/registry.ts';

type Refusal = { outcome: Outcome; details?: Record<string, unknown>; missing?: string[] };

const isProviderId = (value: string): value is ProviderId => (PROVIDER_IDS as readonly string[]).includes(value);

/**
 * The provider sent the patient back. Checks the state (signed, bound to this provider, not
 * expired, spent once), then exchanges the code inside this request (Withings codes live 30 s),
 * identifies the account and stores the connection. Every outcome is a page for the patient;
 * every refusal is audited and stores no token.
 */
export async function completeConnect(
  deps: ConnectDeps,
  providerParam: string,
  query: URLSearchParams,
  requestId: string
): Promise<Page> {
  let link: ConnectLink | undefined;
  const name = isProviderId(providerParam) ? displayNameOf(providerParam) : undefined;
  const refuse = async ({ outcome, details, missing }: Refusal) => {
    await recordConnectFailure(deps, { stage: 'callback', outcome, link, provider: providerParam, requestId, details });
    return resultPage(outcome, name, missing);
  };

  if (!isProviderId(providerParam)) return refuse({ outcome: 'unknown_provider' });
  const state = query.get('state');
  if (state === null || state === '') return refuse({ outcome: 'state_missing' });
  const parsed = parseState(state);
  link = parsed ? await findLink(deps.db, parsed.linkId) : undefined;
  const claims = link && { ...link, linkId: link.id };
  if (
    !parsed ||
    !link ||
    !claims ||
    link.provider !== providerParam ||
    !stateIsAuthentic(deriveStateKey(deps.adminSecret), claims, parsed) ||
    hashToken(parsed.nonce) !== link.stateNonceHash
  ) {
    // A forged state proves nothing about the link it names: the refusal is not filed under it.
    link = undefined;
    return refuse({ outcome: 'state_invalid' });
  }
  const now = deps.clock();
  if (link.completedAt) return refuse({ outcome: 'link_used' });
  if (link.expiresAt <= now) return refuse({ outcome: 'link_expired' });
  const participant = await findParticipant(deps.db, link.participantId);
  if (!participant || participant.deletedAt) return refuse({ outcome: 'participant_gone' });
  const error = query.get('error');
  if (error !== null) {
    const details = { providerError: error.slice(0, 64) };
    return refuse({ outcome: error === 'access_denied' ? 'access_denied' : 'provider_refused', details });
  }
  if (!query.get('code')) return refuse({ outcome: 'code_missing' });
  const configured = providersFor(deps.config.wearables).get(providerParam);
  if (!configured) return refuse({ outcome: 'provider_unavailable' });
  // The study's choice as it is now: a consent given before it changed is checked against it.
  const provider = await providerForStudy(deps.db, configured, link.participantId);
  if (!provider) return refuse({ outcome: 'nothing_to_collect' });
  if (!(await claimLink(deps.db, link.id, now))) return refuse({ outcome: 'link_used' });

  const claimed = link;
  let result: Refusal | 'connected' = { outcome: 'internal_error' };
  try {
    result = await exchangeAndSave(deps, claimed, provider, state, query, requestId);
  } finally {
    // A failed attempt gives the link back: the patient can consent again and bring a new code.
    if (result !== 'connected') await releaseLink(deps.db, claimed.id, result.outcome);
  }
  return result === 'connected' ? resultPage('connected', name) : refuse(result);
}

async function exchangeAndSave(
  deps: ConnectDeps,
  link: ConnectLink,
  provider: Provider,
  state: string,
  query: URLSearchParams,
  requestId: string
): Promise<Refusal | 'connected'> {
  // Rebuilt from the public URL: the redirect_uri sent at exchange must equal the one authorised.
  const callbackUrl = new URL(`${callbackUrlOf(deps.config, provider.id)}?${query.toString()}`);
  const pkceVerifier =
    link.pkceVerifierSealed === null ? null : deps.vault.open(link.pkceVerifierSealed, pkceContext(link.id)).toString();

  let granted: GrantedTokens;
  try {
    granted = await provider.exchangeCode(callbackUrl, { state, pkceVerifier });
  } catch (err) {
    return providerRefusal(err, 'exchange');
  }

  const grantedScopes = granted.scopes ?? provider.scopes;
  const missing = provider.scopes.filter((s) => !grantedScopes.includes(s));
  if (missing.length > 0) {
    await deps.db.transaction(async (trx) => {
      await findParticipant(trx, link.participantId, { forUpdate: true });
      await recordScopeShortfall(trx, link, provider, grantedScopes, deps.clock());
    });
    return {
      outcome: 'scope_missing',
      details: { scopesGranted: grantedScopes, scopesMissing: missing },
      missing: missing.map((s) => provider.scopeLabels[s] ?? s),
    };
  }

  let identity;
  try {
    identity = await provider.identify(granted, `vigil-participant-${link.participantId}`);
  } catch (err) {
    if (err instanceof ScopeMissingError && err.reason === 'consent_missing') return { outcome: 'consent_missing' };
    if (err instanceof MemberIdTakenError) return { outcome: 'member_id_taken', details: { message: err.message } };
    return providerRefusal(err, 'identify');
  }

  const saved = await saveConnection(deps, link, provider, granted, identity, requestId);
  if (saved.kind === 'participant_gone' || saved.kind === 'account_in_use') return { outcome: saved.kind };
  deps.log.info(
    { requestId, linkId: link.id, connectionId: saved.connection.id, provider: provider.id, kind: saved.kind },
    'connection stored'
  );
  const { subscriptions } = vendorOf(provider.id);
  if (subscriptions && deps.config.wearablePulls.notifications.enabled) {
    await subscriptions.subscribe(deps, saved.connection.id, requestId);
  }
  return 'connected';
}

function providerRefusal(err: unknown, step: 'exchange' | 'identify'): Refusal {
  if (err instanceof GrantRejectedError) return { outcome: 'code_rejected', details: { step } };
  if (err instanceof ProviderCallError) {
    return { outcome: 'provider_failed', details: { step, error: err.constructor.name, message: err.message } };
  }
  throw err;
}
