import React from 'react';
import { Badge, type BadgeColor } from '@grafana/ui';
import type { Connection, ConnectionStatus } from '../../api/types.ts';

const look: Record<ConnectionStatus, { color: BadgeColor; text: string }> = {
  active: { color: 'green', text: 'Connected' },
  needs_reauth: { color: 'orange', text: 'Needs new consent' },
  disconnected: { color: 'darkgrey', text: 'Disconnected' },
};

/** Why a connection is not active, in words for the admin who must act on it. */
const reasons: Record<string, string> = {
  revoked: 'the patient withdrew access at the provider',
  expired: 'the consent expired',
  scope_missing: 'some permissions were not granted',
  consent_missing: 'the provider has no consent on record',
  legacy_api_gone: 'the provider retired the API this connection used',
  google_testing:
    "Google ends consents after 7 days while Vigil's Google Cloud project is in Testing: publish it to Production, then send a new link",
  admin: 'disconnected by an admin',
};

/** Why the last attempt with a connect link failed (the callback's outcome), in words. */
const linkFailures: Record<string, string> = {
  code_rejected: 'the sign-in took too long or was already used',
  provider_failed: 'the provider did not complete the sign-in',
  scope_missing: 'some permissions were not granted',
  consent_missing: "the patient has not accepted the provider's required consents",
  account_in_use: 'that account is already connected to another participant',
  member_id_taken:
    'the provider still holds this participant under another account connected before: disconnect that account, then have the patient open the link again',
  participant_gone: 'the participant was deleted',
  internal_error: 'an error on our side',
};

export function linkFailureOf(lastError: string): string {
  return linkFailures[lastError] ?? lastError;
}

export function reasonOf(c: Connection): string | null {
  if (!c.statusReason) return null;
  return reasons[c.statusReason] ?? c.statusReason;
}

export function ConnectionBadge({ connection, withProvider }: { connection: Connection; withProvider?: boolean }) {
  const ending = connection.expiresSoon && connection.consentEndsAt !== null;
  const { color, text } = ending
    ? { color: 'orange' as const, text: `Consent ends ${connection.consentEndsAt!.slice(0, 10)}` }
    : look[connection.status];
  const reason = ending
    ? `${connection.providerName} gives no way to renew it without the patient: send a new connect link before then`
    : reasonOf(connection);
  return (
    <Badge
      color={color}
      text={withProvider ? `${connection.providerName}: ${text}` : text}
      tooltip={reason ? `${text}: ${reason}` : undefined}
    />
  );
}
