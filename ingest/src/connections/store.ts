import type { Knex } from 'knex';
import type { ProviderId } from '../providers/provider.ts';

export const CONNECTION_STATUSES = ['active', 'needs_reauth', 'disconnected'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** Why a connection needs the patient to consent again. */
export type ReauthReason =
  'revoked' | 'expired' | 'scope_missing' | 'consent_missing' | 'legacy_api_gone' | 'google_testing';

export type Connection = {
  id: number;
  participantId: number;
  provider: ProviderId;
  api: string;
  status: ConnectionStatus;
  statusReason: string | null;
  statusDetail: string | null;
  statusChangedAt: Date;
  externalUserId: string | null;
  legacyUserId: string | null;
  scopesRequested: string[];
  scopesGranted: string[] | null;
  tokenVersion: number;
  accessExpiresAt: Date | null;
  refreshExpiresAt: Date | null;
  lastRefreshedAt: Date | null;
  connectedAt: Date | null;
  disconnectedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

/** A connection with its sealed tokens: only the token vault reads this. */
export type ConnectionRecord = Connection & { tokensSealed: string | null };

type ConnectionRow = {
  id: number;
  participant_id: number;
  provider: ProviderId;
  api: string;
  status: ConnectionStatus;
  status_reason: string | null;
  status_detail: string | null;
  status_changed_at: Date;
  external_user_id: string | null;
  legacy_user_id: string | null;
  scopes_requested: string;
  scopes_granted: string | null;
  tokens_sealed: string | null;
  token_version: number;
  access_expires_at: Date | null;
  refresh_expires_at: Date | null;
  last_refreshed_at: Date | null;
  connected_at: Date | null;
  disconnected_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

/** What a store change may set (snake_case columns, written as given). */
export type ConnectionChanges = Partial<Omit<ConnectionRow, 'id' | 'created_at' | 'scopes_requested'>> & {
  scopes_requested?: string;
};

const columns = [
  'id',
  'participant_id',
  'provider',
  'api',
  'status',
  'status_reason',
  'status_detail',
  'status_changed_at',
  'external_user_id',
  'legacy_user_id',
  'scopes_requested',
  'scopes_granted',
  'tokens_sealed',
  'token_version',
  'access_expires_at',
  'refresh_expires_at',
  'last_refreshed_at',
  'connected_at',
  'disconnected_at',
  'created_at',
  'updated_at',
] as const;

export const splitScopes = (s: string | null) => (s === null ? null : s.split(' ').filter((x) => x !== ''));
export const joinScopes = (scopes: readonly string[]) => scopes.join(' ');

const toRecord = (r: ConnectionRow): ConnectionRecord => ({
  id: r.id,
  participantId: r.participant_id,
  provider: r.provider,
  api: r.api,
  status: r.status,
  statusReason: r.status_reason,
  statusDetail: r.status_detail,
  statusChangedAt: r.status_changed_at,
  externalUserId: r.external_user_id,
  legacyUserId: r.legacy_user_id,
  scopesRequested: splitScopes(r.scopes_requested) ?? [],
  scopesGranted: splitScopes(r.scopes_granted),
  tokenVersion: r.token_version,
  accessExpiresAt: r.access_expires_at,
  refreshExpiresAt: r.refresh_expires_at,
  lastRefreshedAt: r.last_refreshed_at,
  connectedAt: r.connected_at,
  disconnectedAt: r.disconnected_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  tokensSealed: r.tokens_sealed,
});

/** The connection without its sealed tokens: safe for audit rows and API answers. */
export function withoutTokens({ tokensSealed: _sealed, ...connection }: ConnectionRecord): Connection {
  return connection;
}

export async function findConnection(
  db: Knex,
  id: number,
  opts: { forUpdate?: boolean } = {}
): Promise<ConnectionRecord | undefined> {
  const q = db('device_connections').select(columns).where({ id }).first();
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as ConnectionRow | undefined;
  return row && toRecord(row);
}

/** The participant's live (not disconnected) connection to a provider: at most one, by a unique key. */
export async function findLiveConnection(
  db: Knex,
  participantId: number,
  provider: ProviderId,
  opts: { forUpdate?: boolean } = {}
): Promise<ConnectionRecord | undefined> {
  const q = db('device_connections')
    .select(columns)
    .where({ participant_id: participantId, provider })
    .whereNot('status', 'disconnected')
    .first();
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as ConnectionRow | undefined;
  return row && toRecord(row);
}

export type ConnectionFilter = {
  participantId?: number | undefined;
  studyId?: number | undefined;
  provider?: ProviderId | undefined;
  status?: ConnectionStatus | undefined;
  limit: number;
  offset: number;
};

export async function listConnections(
  db: Knex,
  filter: ConnectionFilter
): Promise<{ items: (Connection & { studyId: number; participantLabel: string })[]; total: number }> {
  const base = db('device_connections as c')
    .join('participants as p', 'p.id', 'c.participant_id')
    .where((q) => {
      if (filter.participantId !== undefined) void q.where('c.participant_id', filter.participantId);
      if (filter.studyId !== undefined) void q.where('p.study_id', filter.studyId);
      if (filter.provider !== undefined) void q.where('c.provider', filter.provider);
      if (filter.status !== undefined) void q.where('c.status', filter.status);
    });
  const [rows, [count]] = await Promise.all([
    base
      .clone()
      .select([...columns.map((c) => `c.${c}`), 'p.study_id as study_id', 'p.label as participant_label'])
      .orderBy([{ column: 'c.id', order: 'asc' }])
      .limit(filter.limit)
      .offset(filter.offset),
    base.clone().count({ n: '*' }),
  ]);
  const items = (rows as (ConnectionRow & { study_id: number; participant_label: string })[]).map((r) => ({
    ...withoutTokens(toRecord(r)),
    studyId: r.study_id,
    participantLabel: r.participant_label,
  }));
  return { items, total: Number(count?.n ?? 0) };
}

export async function insertConnection(
  db: Knex,
  row: Omit<ConnectionChanges, 'created_at'> & {
    participant_id: number;
    provider: ProviderId;
    api: string;
    status: ConnectionStatus;
    scopes_requested: string;
  },
  now: Date
): Promise<number> {
  const [id] = await db('device_connections').insert({
    status_changed_at: now,
    ...row,
    created_at: now,
    updated_at: now,
  });
  return Number(id);
}

export async function updateConnection(db: Knex, id: number, changes: ConnectionChanges, now: Date): Promise<void> {
  await db('device_connections')
    .where({ id })
    .update({ ...changes, updated_at: now });
}

/** Compare-and-swap on the token version: true when this writer's version was still the current one. */
export async function swapTokens(
  db: Knex,
  id: number,
  expectedVersion: number,
  changes: ConnectionChanges & { tokens_sealed: string | null },
  now: Date
): Promise<boolean> {
  const updated = await db('device_connections')
    .where({ id, token_version: expectedVersion })
    .update({ ...changes, token_version: expectedVersion + 1, updated_at: now });
  return updated === 1;
}
