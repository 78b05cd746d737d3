import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKey } from '../config.ts';

/**
 * Envelope encryption for secrets at rest (participants' RSA keys, OAuth tokens, data keys).
 *
 * Each value gets its own random 256-bit data key; the data key is wrapped under a master key with
 * AES-256-GCM and the master key's id travels with the ciphertext:
 *
 *     v1.<key id>.<base64url(iv ‖ wrapped data key ‖ tag)>.<base64url(iv ‖ ciphertext ‖ tag)>
 *
 * The first configured master key seals; every configured key opens, so rotating is: put the new
 * key first, keep the old one until `rewrap` has run over the stored values, then drop it.
 * `context` (e.g. `participant:42:rsa`) is authenticated, so a ciphertext copied to another row
 * does not open there.
 */
export type Vault = {
  seal(plaintext: Buffer | string, context: string): string;
  open(sealed: string, context: string): Buffer;
  /** Re-wraps the data key under the current master key; the payload is untouched. */
  rewrap(sealed: string): string;
  /** True when `sealed` is wrapped under a key other than the current one. */
  needsRewrap(sealed: string): boolean;
};

export class VaultError extends Error {
  override name = 'VaultError';
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_AAD = Buffer.from('vigil-vault-dek-v1');

export function createVault(masterKeys: readonly MasterKey[]): Vault {
  const [current] = masterKeys;
  if (!current) throw new VaultError('the vault needs at least one master key');
  for (const k of masterKeys) {
    if (k.key.length !== 32) throw new VaultError(`master key ${k.id} must be 32 bytes`);
  }
  const byId = new Map(masterKeys.map((k) => [k.id, k.key]));

  const unwrap = (kid: string, wrapped: Buffer): Buffer => {
    const kek = byId.get(kid);
    if (!kek) throw new VaultError(`no master key with id ${kid} is configured`);
    return gcmOpen(kek, wrapped, WRAP_AAD, 'data key');
  };

  return {
    seal(plaintext, context) {
      const dek = randomBytes(32);
      const payload = gcmSeal(dek, Buffer.from(plaintext), Buffer.from(context));
      const wrapped = gcmSeal(current.key, dek, WRAP_AAD);
      return [VERSION, current.id, wrapped.toString('base64url'), payload.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const parts = parse(sealed);
      const dek = unwrap(parts.kid, parts.wrapped);
      return gcmOpen(dek, parts.payload, Buffer.from(context), 'value');
    },
    rewrap(sealed) {
      const parts = parse(sealed);
      if (parts.kid === current.id) return sealed;
      const dek = unwrap(parts.kid, parts.wrapped);
      const wrapped = gcmSeal(current.key, dek, WRAP_AAD);
      return [VERSION, current.id, wrapped.toString('base64url'), parts.payload.toString('base64url')].join('.');
    },
    needsRewrap(sealed) {
      return parse(sealed).kid !== current.id;
    },
  };
}

function parse(sealed: string): { kid: string; wrapped: Buffer; payload: Buffer } {
  const parts = sealed.split('.');
  const [version, kid, wrapped, payload] = parts;
  if (parts.length !== 4 || version !== VERSION || !kid || !wrapped || !payload) {
    throw new VaultError('not a vault ciphertext');
  }
  return { kid, wrapped: Buffer.from(wrapped, 'base64url'), payload: Buffer.from(payload, 'base64url') };
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function gcmOpen(key: Buffer, sealed: Buffer, aad: Buffer, what: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new VaultError(`${what} is truncated`);
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new VaultError(`${what} failed authentication (tampered, wrong key or wrong context)`);
  }
}
