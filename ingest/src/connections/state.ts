import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ProviderId } from '../providers/provider.ts';

/**
 * Connect-link tokens and OAuth `state` values.
 *
 * A state is `<link id>.<nonce>.<signature>`: the signature is an HMAC over the link id, the
 * participant, the provider, the expiry and the nonce, so a state cannot be forged or moved to
 * another participant, provider or expiry; the database keeps only the nonce's hash and spends it
 * once. The HMAC key is derived (HKDF) from the admin secret, which every ingest process already
 * shares and which production requires; rotating it invalidates outstanding links.
 */

const B64URL_32 = '[A-Za-z0-9_-]{43}';
const STATE_FORMAT = new RegExp(`^(\\d{1,10})\\.(${B64URL_32})\\.(${B64URL_32})$`);
const TOKEN_FORMAT = new RegExp(`^${B64URL_32}$`);

export type StateClaims = {
  readonly linkId: number;
  readonly participantId: number;
  readonly provider: ProviderId;
  readonly expiresAt: Date;
};

export type ParsedState = { readonly linkId: number; readonly nonce: string; readonly signature: string };

export const randomToken = () => randomBytes(32).toString('base64url');

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const isLinkToken = (value: string) => TOKEN_FORMAT.test(value);

export function deriveStateKey(adminSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', adminSecret, 'vigil', 'vigil/connect-state/v1', 32));
}

function signature(key: Buffer, claims: StateClaims, nonce: string): string {
  const signed = ['v1', claims.linkId, claims.participantId, claims.provider, claims.expiresAt.getTime(), nonce];
  return createHmac('sha256', key).update(signed.join('|')).digest('base64url');
}

export function signState(key: Buffer, claims: StateClaims, nonce: string): string {
  return `${claims.linkId}.${nonce}.${signature(key, claims, nonce)}`;
}

/** Null for anything that is not shaped like one of our states. */
export function parseState(state: string): ParsedState | null {
  const match = STATE_FORMAT.exec(state);
  if (!match) return null;
  const [, linkId, nonce, sig] = match as unknown as [string, string, string, string];
  return { linkId: Number(linkId), nonce, signature: sig };
}

export function stateIsAuthentic(key: Buffer, claims: StateClaims, parsed: ParsedState): boolean {
  const expected = Buffer.from(signature(key, claims, parsed.nonce));
  const given = Buffer.from(parsed.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
