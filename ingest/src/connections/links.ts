import { createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import { randomPKCECodeVerifier } from 'openid-client';
import type { AppDeps } from '../app-env.ts';
import { recordAudit, type Actor } from '../audit/store.ts';
import type { Config } from '../config.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { findParticipant } from '../participants/store.ts';
import type { Provider, ProviderId } from '../providers/provider.ts';
import { displayNameOf, providersFor } from '../providers/registry.ts';
import { measurementsOfParticipant } from '../study-measurements/store.ts';
import { findStudy } from '../studies/store.ts';
import { scopesFor } from '../wearables/measurements.ts';
import { recordConnectFailure } from './failures.ts';
import { findLinkByTokenHash, insertLink, markLinkOpened, setLinkPkceVerifier } from './link-store.ts';
import { resultPage, type Page } from './pages.ts';
import { requireProvider } from './require-provider.ts';
import { deriveStateKey, hashToken, isLinkToken, randomToken, signState } from './state.ts';
import { pkceContext } from './tokens.ts';

export type ConnectDeps = Pick<AppDeps, 'db' | 'vault' | 'log' | 'clock' | 'config' | 'adminSecret'>;

export const callbackUrlOf = (config: Config, provider: ProviderId) => `${config.publicUrl}/oauth/callback/${provider}`;

// The link token travels in the query, not the path: request logs record paths, never queries.
export const linkUrlOf = (config: Config, token: string) => `${config.publicUrl}/connect/start?link=${token}`;

/** The state's nonce follows from the link token, so no usable nonce is stored, only its hash. */
export const nonceFor = (stateKey: Buffer, linkToken: string) =>
  createHmac('sha256', stateKey).update(`nonce|${linkToken}`).digest('base64url');

/**
 * The provider as the participant's study sees it: `scopes` is what its consent asks for, the
 * scopes the study's measurements need from this vendor. Null when the vendor offers none of them.
 */
export async function providerForStudy(db: Knex, provider: Provider, participantId: number): Promise<Provider | null> {
  const scopes = scopesFor(provider.id, await measurementsOfParticipant(db, participantId));
  return scopes.length === 0 ? null : { ...provider, scopes };
}

export type CreatedLink = { id: number; participantId: number; provider: ProviderId; url: string; expiresAt: Date };

export async function createConnectLink(
  deps: ConnectDeps,
  input: { participantId: number; provider: ProviderId },
  actor: { caller: Actor; requestId?: string }
): Promise<CreatedLink> {
  const provider = requireProvider(deps.config, input.provider);
  const token = randomToken();
  const nonce = nonceFor(deriveStateKey(deps.adminSecret), token);
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.config.wearables.connectLinkDays * 86_400_000);
  const id = await deps.db.transaction(async (trx) => {
    const participant = await findParticipant(trx, input.participantId, { forUpdate: true });
    if (!participant) throw new NotFoundError(`participant ${input.participantId} does not exist`);
    if (participant.deletedAt) throw new ConflictError(`participant ${participant.id} is deleted: restore it first`);
    const study = await findStudy(trx, participant.studyId);
    if (study?.deletedAt) throw new ConflictError(`study ${participant.studyId} is deleted: restore it first`);
    if (!(await providerForStudy(trx, provider, participant.id))) {
      throw new ConflictError(
        `study ${participant.studyId} collects none of the measurements ${provider.displayName} offers: choose them in its measurements first`
      );
    }
    const linkId = await insertLink(
      trx,
      {
        participant_id: participant.id,
        provider: provider.id,
        token_hash: hashToken(token),
        state_nonce_hash: hashToken(nonce),
        expires_at: expiresAt,
        created_by: actor.caller.login,
      },
      now
    );
    if (provider.usesPkce) {
      await setLinkPkceVerifier(trx, linkId, deps.vault.seal(randomPKCECodeVerifier(), pkceContext(linkId)));
    }
    await recordAudit(trx, now, {
      ...actor,
      action: 'connect-link.create',
      target: { type: 'participant', id: participant.id, studyId: participant.studyId },
      before: null,
      after: { linkId, provider: provider.id, expiresAt },
    });
    return linkId;
  });
  return {
    id,
    participantId: input.participantId,
    provider: provider.id,
    url: linkUrlOf(deps.config, token),
    expiresAt,
  };
}

/**
 * A patient opened a connect link: send them to the provider's consent page with the link's
 * signed state, or explain why not. Opening does not spend the link (link previews in messaging
 * apps open it too); the callback does.
 */
export async function startConnect(
  deps: ConnectDeps,
  token: string | undefined,
  requestId: string
): Promise<{ redirect: URL } | { page: Page }> {
  const link =
    token !== undefined && isLinkToken(token) ? await findLinkByTokenHash(deps.db, hashToken(token)) : undefined;
  const refuse = async (outcome: Parameters<typeof resultPage>[0], provider?: ProviderId) => {
    await recordConnectFailure(deps, { stage: 'link', outcome, link, provider, requestId });
    return { page: resultPage(outcome, provider && displayNameOf(provider)) };
  };
  if (!link || token === undefined) return refuse('invalid_link');
  const now = deps.clock();
  if (link.completedAt) return refuse('link_used', link.provider);
  if (link.expiresAt <= now) return refuse('link_expired', link.provider);
  const participant = await findParticipant(deps.db, link.participantId);
  if (!participant || participant.deletedAt) return refuse('participant_gone', link.provider);
  const configured = providersFor(deps.config.wearables).get(link.provider);
  if (!configured) return refuse('provider_unavailable', link.provider);
  const provider = await providerForStudy(deps.db, configured, link.participantId);
  if (!provider) return refuse('nothing_to_collect', link.provider);

  await markLinkOpened(deps.db, link.id, now);
  const key = deriveStateKey(deps.adminSecret);
  const state = signState(
    key,
    { linkId: link.id, participantId: link.participantId, provider: link.provider, expiresAt: link.expiresAt },
    nonceFor(key, token)
  );
  const pkceVerifier =
    link.pkceVerifierSealed === null ? null : deps.vault.open(link.pkceVerifierSealed, pkceContext(link.id)).toString();
  const redirect = await provider.authorizationUrl({
    redirectUri: callbackUrlOf(deps.config, provider.id),
    state,
    pkceVerifier,
    scopes: provider.scopes,
  });
  deps.log.info({ requestId, linkId: link.id, provider: provider.id }, 'connect link opened');
  return { redirect };
}
