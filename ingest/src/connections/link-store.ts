import type { Knex } from 'knex';
import type { ProviderId } from '../providers/provider.ts';

export type ConnectLink = {
  id: number;
  participantId: number;
  provider: ProviderId;
  stateNonceHash: string;
  pkceVerifierSealed: string | null;
  expiresAt: Date;
  createdBy: string;
  createdAt: Date;
  openedAt: Date | null;
  claimedAt: Date | null;
  completedAt: Date | null;
  connectionId: number | null;
  attempts: number;
  lastError: string | null;
};

type LinkRow = {
  id: number;
  participant_id: number;
  provider: ProviderId;
  state_nonce_hash: string;
  pkce_verifier_sealed: string | null;
  expires_at: Date;
  created_by: string;
  created_at: Date;
  opened_at: Date | null;
  claimed_at: Date | null;
  completed_at: Date | null;
  connection_id: number | null;
  attempts: number;
  last_error: string | null;
};

const columns = [
  'id',
  'participant_id',
  'provider',
  'state_nonce_hash',
  'pkce_verifier_sealed',
  'expires_at',
  'created_by',
  'created_at',
  'opened_at',
  'claimed_at',
  'completed_at',
  'connection_id',
  'attempts',
  'last_error',
] as const;

const toLink = (r: LinkRow): ConnectLink => ({
  id: r.id,
  participantId: r.participant_id,
  provider: r.provider,
  stateNonceHash: r.state_nonce_hash,
  pkceVerifierSealed: r.pkce_verifier_sealed,
  expiresAt: r.expires_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
  openedAt: r.opened_at,
  claimedAt: r.claimed_at,
  completedAt: r.completed_at,
  connectionId: r.connection_id,
  attempts: r.attempts,
  lastError: r.last_error,
});

export async function insertLink(
  db: Knex,
  row: {
    participant_id: number;
    provider: ProviderId;
    token_hash: string;
    state_nonce_hash: string;
    expires_at: Date;
    created_by: string;
  },
  now: Date
): Promise<number> {
  const [id] = await db('connect_links').insert({ ...row, created_at: now });
  return Number(id);
}

export async function setLinkPkceVerifier(db: Knex, id: number, sealed: string): Promise<void> {
  await db('connect_links').where({ id }).update({ pkce_verifier_sealed: sealed });
}

export async function findLink(db: Knex, id: number): Promise<ConnectLink | undefined> {
  const row = (await db('connect_links').select(columns).where({ id }).first()) as LinkRow | undefined;
  return row && toLink(row);
}

export async function findLinkByTokenHash(db: Knex, tokenHash: string): Promise<ConnectLink | undefined> {
  const row = (await db('connect_links').select(columns).where({ token_hash: tokenHash }).first()) as
    LinkRow | undefined;
  return row && toLink(row);
}

export async function markLinkOpened(db: Knex, id: number, now: Date): Promise<void> {
  await db('connect_links').where({ id }).whereNull('opened_at').update({ opened_at: now });
}

/**
 * Takes the link's state for one callback, atomically: of two callbacks carrying the same state,
 * exactly one gets `true`. A completed link is never claimed again.
 */
export async function claimLink(db: Knex, id: number, now: Date): Promise<boolean> {
  const updated = await db('connect_links')
    .where({ id })
    .whereNull('claimed_at')
    .whereNull('completed_at')
    .update({ claimed_at: now, attempts: db.raw('attempts + 1') });
  return updated === 1;
}

/** After a failed attempt the patient may open the link again (a new consent gives a new code). */
export async function releaseLink(db: Knex, id: number, error: string): Promise<void> {
  await db('connect_links').where({ id }).whereNull('completed_at').update({ claimed_at: null, last_error: error });
}

export async function completeLink(db: Knex, id: number, connectionId: number | null, now: Date): Promise<void> {
  await db('connect_links').where({ id }).update({ completed_at: now, connection_id: connectionId, last_error: null });
}

export async function listLinks(db: Knex, participantId: number): Promise<ConnectLink[]> {
  const rows = (await db('connect_links')
    .select(columns)
    .where({ participant_id: participantId })
    .orderBy('id', 'desc')
    .limit(50)) as LinkRow[];
  return rows.map(toLink);
}
