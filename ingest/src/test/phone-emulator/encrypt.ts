import type { KeyObject } from 'node:crypto';
import { constants, createCipheriv, createHash, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import type { PhoneOs } from './types.ts';

/**
 * The apps' upload-file encryption (specs/beiwe-protocol.md §3), written independently of the
 * server's decryptor so that round-trip tests compare two implementations.
 */

export type EncryptOptions = {
  /** 16-byte AES key; random when absent (Android's rule unless `os` is 'ios'). */
  aesKey?: Buffer;
  /** IV for the n-th encrypted line, counting the header line (if any) as 0; random when absent. */
  iv?: (lineIndex: number) => Buffer;
  /** Whose key-generation rule a random key follows. */
  os?: PhoneOs;
};

/** Base64url *with* `=` padding, as both apps write it (Node's 'base64url' drops the padding). */
export function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

/** b64url(SHA-256(UTF-8 text)): the apps' password and Android's `device_id` form. */
export function sha256B64url(text: string): string {
  return b64url(createHash('sha256').update(text, 'utf8').digest());
}

/** Accepts the registration response's bare base64 DER SPKI (`MIIBI…`), a PEM, or a KeyObject. */
export function parsePublicKey(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') return key;
  if (key.includes('-----BEGIN')) return createPublicKey(key);
  return createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' });
}

/** A fresh AES-128 key. Android loops until the first byte is non-zero (EncryptionEngine.newAESKey); iOS does not. */
export function newAesKey(os: PhoneOs, random: (n: number) => Buffer = randomBytes): Buffer {
  for (;;) {
    const key = random(16);
    if (os === 'ios' || key[0] !== 0) return key;
  }
}

/** Line 1: b64url(textbook-RSA(b64url(aesKey))), the 24 ASCII bytes left-padded to the modulus length. */
export function encryptKeyLine(aesKey: Buffer, publicKey: string | KeyObject): string {
  const key = parsePublicKey(publicKey);
  const modulusBytes = (key.asymmetricKeyDetails?.modulusLength ?? 2048) / 8;
  const plaintext = Buffer.from(b64url(aesKey), 'ascii');
  const block = Buffer.alloc(modulusBytes);
  plaintext.copy(block, modulusBytes - plaintext.length);
  return b64url(publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, block));
}

/** One data line: `b64url(iv):b64url(AES-128-CBC-PKCS7(plaintext))`. */
export function encryptLine(plaintext: string | Uint8Array, aesKey: Buffer, iv: Buffer): string {
  const cipher = createCipheriv('aes-128-cbc', aesKey, iv);
  const body = typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext);
  return `${b64url(iv)}:${b64url(Buffer.concat([body, cipher.final()]))}`;
}

/**
 * A whole text upload: key line, then one encrypted line per entry of `lines` (the header first,
 * if the file has one), every line ending in `\n`.
 */
export function encryptTextFile(
  lines: readonly string[],
  publicKey: string | KeyObject,
  opts: EncryptOptions = {}
): Buffer {
  const aesKey = opts.aesKey ?? newAesKey(opts.os ?? 'android');
  const ivOf = opts.iv ?? (() => randomBytes(16));
  const out = new Array<string>(lines.length + 2);
  out[0] = encryptKeyLine(aesKey, publicKey);
  for (let i = 0; i < lines.length; i++) out[i + 1] = encryptLine(lines[i] as string, aesKey, ivOf(i));
  out[lines.length + 1] = '';
  return Buffer.from(out.join('\n'), 'utf8');
}

/**
 * An audio upload (§3.5). Android: key line, then one `iv:ciphertext` line, both ending `\n`.
 * iOS (EncryptedStorage): key line and `\n`, then `iv:` and the ciphertext's base64 with no final newline.
 */
export function encryptBinaryFile(
  bytes: Uint8Array,
  publicKey: string | KeyObject,
  os: PhoneOs,
  opts: EncryptOptions = {}
): Buffer {
  const aesKey = opts.aesKey ?? newAesKey(opts.os ?? os);
  const iv = opts.iv?.(0) ?? randomBytes(16);
  const data = encryptLine(bytes, aesKey, iv);
  const keyLine = encryptKeyLine(aesKey, publicKey);
  return Buffer.from(os === 'android' ? `${keyLine}\n${data}\n` : `${keyLine}\n${data}`, 'ascii');
}
