import { consentEndsAt, displayNameOf } from '../providers/registry.ts';
import type { ConnectLink } from './link-store.ts';
import type { Connection } from './store.ts';

/** "Now" and how far ahead an ending consent is flagged (`syncAlerts.expiryWarningDays`). */
export type ExpiryWindow = { readonly now: Date; readonly warningDays: number };

/**
 * A connection as the admin API shows it: status, scopes (with what is missing), when the
 * patient's consent ends and whether that is within the warning window; never tokens.
 */
export function connectionJson(c: Connection & { studyId?: number; participantLabel?: string }, expiry: ExpiryWindow) {
  const granted = c.scopesGranted;
  const endsAt = consentEndsAt(c);
  return {
    id: c.id,
    participantId: c.participantId,
    ...(c.studyId !== undefined && { studyId: c.studyId }),
    ...(c.participantLabel !== undefined && { participantLabel: c.participantLabel }),
    provider: c.provider,
    providerName: displayNameOf(c.provider),
    api: c.api,
    status: c.status,
    statusReason: c.statusReason,
    statusDetail: c.statusDetail,
    statusChangedAt: c.statusChangedAt,
    externalUserId: c.externalUserId,
    scopes: {
      requested: c.scopesRequested,
      granted,
      missing: granted === null ? [] : c.scopesRequested.filter((s) => !granted.includes(s)),
    },
    accessExpiresAt: c.accessExpiresAt,
    consentEndsAt: endsAt,
    expiresSoon:
      c.status === 'active' &&
      endsAt !== null &&
      endsAt.getTime() - expiry.now.getTime() <= expiry.warningDays * 86_400_000,
    lastRefreshedAt: c.lastRefreshedAt,
    connectedAt: c.connectedAt,
    disconnectedAt: c.disconnectedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** A connect link without its URL (the token is shown once, when the link is made). */
export function linkJson(link: ConnectLink, now: Date) {
  const state = link.completedAt
    ? 'completed'
    : link.expiresAt <= now
      ? 'expired'
      : link.openedAt
        ? 'opened'
        : 'pending';
  return {
    id: link.id,
    participantId: link.participantId,
    provider: link.provider,
    state,
    expiresAt: link.expiresAt,
    createdBy: link.createdBy,
    createdAt: link.createdAt,
    openedAt: link.openedAt,
    completedAt: link.completedAt,
    connectionId: link.connectionId,
    attempts: link.attempts,
    lastError: link.lastError,
  };
}
