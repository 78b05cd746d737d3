import type { Knex } from 'knex';
import type { ReauthReason } from '../connections/store.ts';
import type { ProviderId } from '../providers/provider.ts';
import { consentEndsAt } from '../providers/registry.ts';
import type { DigestEpisode, EpisodeKind, SyncAlertSettings } from './schemas.ts';
import { vendorOf } from '../vendors/registry.ts';
import { consentGaps } from '../connections/consent-gaps.ts';
import { splitScopes } from '../connections/store.ts';

export const DAY_MS = 86_400_000;

/** A sync problem seen now on one connection, with what a digest lists about it. */
export type Problem = {
  readonly connectionId: number;
  readonly kind: EpisodeKind;
  /** What the episode is about when it opens: the device, or why consent is needed. */
  readonly subject: string;
  readonly studyId: number;
  readonly studyName: string;
  readonly listed: DigestEpisode;
};

type ConnectionRow = {
  id: number;
  participant_id: number;
  provider: ProviderId;
  status: 'active' | 'needs_reauth';
  status_reason: string | null;
  scopes_granted: string | null;
  connected_at: Date | null;
  created_at: Date;
  label: string;
  study_id: number;
  study_name: string;
  last_device_sync_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  access_expires_at: Date | null;
  refresh_expires_at: Date | null;
};

type DeviceRow = { connection_id: number; device_id: string; model: string | null; last_sync_at: Date | null };

const REAUTH_WHY: Record<ReauthReason, string> = {
  revoked: 'access was revoked',
  expired: 'the authorisation expired',
  scope_missing: 'not every permission was granted: ask the patient to tick every box',
  consent_missing: "the patient must first accept the provider's required consents in their account",
  legacy_api_gone: 'it used the retired Fitbit Web API',
  google_testing:
    "Google ends every consent after 7 days while Vigil's Google Cloud project is in Testing status: publish it to Production first",
};

export const providerName = (p: ProviderId) => vendorOf(p).shortName;

/**
 * The live connections of active participants in live studies, judged now: a connection needing
 * re-consent is one problem; an active one whose consent does not cover a measurement the study
 * added since is another (it is asked for in the same new consent as a re-consent, so not listed
 * twice); an active one whose newest device sync (each device's last sync as
 * the provider reports it, Polar's latest data time standing in) is older than the study's
 * threshold is another. A connection with no sync seen at all counts from when it was connected.
 * Also returns every study that has such connections (the studies checked).
 */
export async function findProblems(
  db: Knex,
  now: Date,
  settings: ReadonlyMap<number, SyncAlertSettings>,
  defaults: { staleDays: number; expiryWarningDays: number }
): Promise<{ problems: Problem[]; studies: Set<number> }> {
  const connections = (await db('device_connections as c')
    .join('participants as p', 'p.id', 'c.participant_id')
    .join('studies as s', 's.id', 'p.study_id')
    .leftJoin('wearable_sync_state as w', 'w.connection_id', 'c.id')
    .whereIn('c.status', ['active', 'needs_reauth'])
    .where('p.status', 'active')
    .whereNull('p.deleted_at')
    .whereNull('s.deleted_at')
    .orderBy('c.id')
    .select(
      'c.id',
      'c.participant_id',
      'c.provider',
      'c.status',
      'c.status_reason',
      'c.scopes_granted',
      'c.connected_at',
      'c.created_at',
      'p.label',
      'p.study_id',
      's.name as study_name',
      'w.last_device_sync_at',
      'w.last_success_at',
      'w.last_error',
      'w.last_error_at',
      'c.access_expires_at',
      'c.refresh_expires_at'
    )) as ConnectionRow[];
  const devices = await newestDevices(
    db,
    connections.map((c) => c.id)
  );
  const gaps = await consentGaps(
    db,
    connections.map((c) => ({ ...c, scopesGranted: splitScopes(c.scopes_granted), studyId: c.study_id }))
  );

  const problems: Problem[] = [];
  for (const c of connections) {
    const device = devices.get(c.id);
    const lastSync = latest(device?.last_sync_at ?? null, c.last_device_sync_at);
    const deviceLabel = device ? labelOf(c.provider, device) : null;
    const daysSinceSync = lastSync === null ? null : Math.floor((now.getTime() - lastSync.getTime()) / DAY_MS);
    const base = { connectionId: c.id, studyId: c.study_id, studyName: c.study_name };
    const listed = {
      participantId: c.participant_id,
      participantLabel: c.label,
      provider: c.provider,
      device: deviceLabel,
      daysSinceSync,
    };
    if (c.status === 'needs_reauth') {
      const why = REAUTH_WHY[c.status_reason as ReauthReason] as string | undefined;
      problems.push({
        ...base,
        kind: 'needs_consent',
        subject: c.status_reason ?? 'needs_reauth',
        listed: {
          ...listed,
          kind: 'needs_consent',
          action: `send a new ${vendorOf(c.provider).shortName} connect link${why ? ` (${why})` : ''}`,
        },
      });
      continue;
    }
    const gap = gaps.get(c.id) ?? [];
    if (gap.length > 0) {
      const names = gap.map((m) => m.label);
      problems.push({
        ...base,
        kind: 'consent_gap',
        subject: gap
          .map((m) => m.id)
          .join(',')
          .slice(0, 128),
        listed: {
          ...listed,
          kind: 'consent_gap',
          measurements: names,
          action: `send a new ${vendorOf(c.provider).shortName} connect link: the study added ${names.join(', ')} after the patient consented, and they are not read until the patient consents again (the rest is read meanwhile)`,
        },
      });
    }
    const endsAt = consentEndsAt({
      provider: c.provider,
      accessExpiresAt: c.access_expires_at,
      refreshExpiresAt: c.refresh_expires_at,
    });
    if (endsAt !== null && endsAt.getTime() - now.getTime() <= defaults.expiryWarningDays * DAY_MS) {
      const endsOn = endsAt.toISOString().slice(0, 10);
      problems.push({
        ...base,
        kind: 'expires_soon',
        subject: endsOn,
        listed: {
          ...listed,
          kind: 'expires_soon',
          consentEndsOn: endsOn,
          action: `send a new ${vendorOf(c.provider).shortName} connect link ${endsAt > now ? `before ${endsOn}` : 'now'}: ${vendorOf(c.provider).shortName} gives no way to renew the consent without the patient`,
        },
      });
    }
    const staleDays = settings.get(c.study_id)?.staleDeviceDays ?? defaults.staleDays;
    const since = lastSync ?? c.connected_at ?? c.created_at;
    if (now.getTime() - since.getTime() < staleDays * DAY_MS) continue;
    problems.push({
      ...base,
      kind: 'stale_device',
      subject: deviceLabel ?? 'no device seen',
      listed: { ...listed, kind: 'stale_device', action: staleAction(c, lastSync, since) },
    });
  }
  return { problems, studies: new Set(connections.map((c) => c.study_id)) };
}

function staleAction(c: ConnectionRow, lastSync: Date | null, since: Date): string {
  const app = vendorOf(c.provider).appName;
  const action =
    lastSync === null
      ? `no sync seen since it was connected on ${since.toISOString().slice(0, 10)}: ask the patient to open the ${app} app, sync, and check they wear the device`
      : `ask the patient to open the ${app} app and sync (device charged, Bluetooth on)`;
  // Old data may be Vigil's fault rather than the patient's: say so before anyone calls them.
  const pullsFailing = c.last_error_at !== null && (c.last_success_at === null || c.last_error_at > c.last_success_at);
  return pullsFailing
    ? `${action}; but Vigil's last pull failed too (${(c.last_error ?? 'unknown error').slice(0, 160)}): check the connection's sync health first`
    : action;
}

/** Per connection, the device that synced last (a replaced device keeps its row but stops syncing). */
async function newestDevices(db: Knex, connectionIds: readonly number[]): Promise<Map<number, DeviceRow>> {
  const newest = new Map<number, DeviceRow>();
  const CHUNK = 1000;
  for (let i = 0; i < connectionIds.length; i += CHUNK) {
    const rows = (await db('device_status')
      .whereIn('connection_id', connectionIds.slice(i, i + CHUNK))
      .orderBy([{ column: 'last_seen_at' }, { column: 'device_id' }])
      .select('connection_id', 'device_id', 'model', 'last_sync_at')) as DeviceRow[];
    for (const row of rows) {
      const seen = newest.get(row.connection_id);
      if (!seen || (row.last_sync_at !== null && (seen.last_sync_at === null || row.last_sync_at >= seen.last_sync_at)))
        newest.set(row.connection_id, row);
    }
  }
  return newest;
}

// Polar has no device endpoint: its rows stand in with the provider's name as id when the data
// named no device, which says nothing to staff.
const labelOf = (provider: ProviderId, d: DeviceRow) => d.model ?? (d.device_id === provider ? null : d.device_id);

const latest = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a > b ? a : b);
