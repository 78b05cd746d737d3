import { z } from 'zod';
import type { StoredTokens } from '../providers/provider.ts';
import type { Vault } from '../vault/vault.ts';

/** A connection's tokens at rest: sealed by the vault, bound to the connection's row. */
const Sealed = z.object({ accessToken: z.string().min(1), refreshToken: z.string().min(1).nullable() });

export const tokensContext = (connectionId: number) => `connection:${connectionId}:tokens`;

export const pkceContext = (linkId: number) => `connect-link:${linkId}:pkce`;

export function sealTokens(vault: Vault, connectionId: number, tokens: StoredTokens): string {
  return vault.seal(
    JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }),
    tokensContext(connectionId)
  );
}

export function openTokens(vault: Vault, connectionId: number, sealed: string): StoredTokens {
  return Sealed.parse(JSON.parse(vault.open(sealed, tokensContext(connectionId)).toString('utf8')));
}

/** When a token expires, from `expires_in` seconds; null means the provider gave no lifetime (Polar). */
export function expiryFrom(now: Date, seconds: number | null): Date | null {
  return seconds === null ? null : new Date(now.getTime() + seconds * 1000);
}
