import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { ProviderId } from '../../providers/provider.ts';
import type { Vault } from '../../vault/vault.ts';

/**
 * What Vigil registered at a vendor for notifications, one row per provider: the secret a
 * notification must prove it knows (sealed), the vendor's id for the registration and its URL.
 */
export type Channel = {
  provider: ProviderId;
  secret: string;
  remoteId: string | null;
  url: string;
  coversAll: boolean;
  active: boolean;
};

type ChannelRow = {
  provider: ProviderId;
  secret_sealed: string;
  remote_id: string | null;
  url: string;
  covers_all: number;
  active: number;
};

const context = (provider: ProviderId) => `notify-channel:${provider}`;

export const newChannelSecret = () => randomBytes(32).toString('base64url');

export async function findChannel(db: Knex, vault: Vault, provider: ProviderId): Promise<Channel | undefined> {
  const row = (await db('wearable_notify_channels').where({ provider }).first()) as ChannelRow | undefined;
  return (
    row && {
      provider: row.provider,
      secret: vault.open(row.secret_sealed, context(provider)).toString(),
      remoteId: row.remote_id,
      url: row.url,
      coversAll: Boolean(row.covers_all),
      active: Boolean(row.active),
    }
  );
}

/**
 * Stores the provider's channel. `replace`: whatever was there goes; `keep-secret`: a stored secret
 * stays (only the URL moved); `if-absent`: a channel another process stored first wins.
 */
export async function saveChannel(
  db: Knex,
  vault: Vault,
  channel: Channel,
  now: Date,
  mode: 'replace' | 'keep-secret' | 'if-absent' = 'replace'
): Promise<void> {
  const sealed = vault.seal(channel.secret, context(channel.provider));
  const fields = {
    remote_id: channel.remoteId,
    url: channel.url,
    covers_all: channel.coversAll,
    active: channel.active,
    updated_at: now,
  };
  const insert = db('wearable_notify_channels')
    .insert({ provider: channel.provider, secret_sealed: sealed, ...fields, created_at: now })
    .onConflict('provider');
  await (mode === 'if-absent'
    ? insert.ignore()
    : insert.merge(mode === 'keep-secret' ? fields : { ...fields, secret_sealed: sealed }));
}

/** Equal strings, compared in time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
