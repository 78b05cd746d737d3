import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { encodeBase64UrlPadded } from './base64url.ts';

/**
 * The app side of spec §3.2–§3.5: what Android and iOS write. Used to build test files, the
 * decrypt benchmark and phone simulators; the server itself never encrypts uploads.
 */

/** Line 1: b64url(RSA_raw(b64url(aesKey))), textbook RSA with the message left-padded to the modulus. */
export function encryptKeyLine(publicKey: string | KeyObject, aesKey: Buffer): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const modulusBytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) >>> 3;
  const message = Buffer.from(encodeBase64UrlPadded(aesKey), 'latin1');
  const block = Buffer.alloc(modulusBytes);
  message.copy(block, modulusBytes - message.length);
  return encodeBase64UrlPadded(publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, block));
}

/** `b64url(iv):b64url(AES-128-CBC-PKCS7(plaintext))`. */
export function encryptDataLine(aesKey: Buffer, plaintext: Buffer | string, iv: Buffer = randomBytes(16)): string {
  const cipher = createCipheriv('aes-128-cbc', aesKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${encodeBase64UrlPadded(iv)}:${encodeBase64UrlPadded(ciphertext)}`;
}

export type TextFileInput = {
  publicKey: string | KeyObject;
  /** Header first (iOS always writes one; Android skips an empty header). */
  lines: readonly (Buffer | string)[];
  aesKey?: Buffer;
  /** Per-line IVs, for byte-exact files; random otherwise. */
  ivs?: readonly Buffer[];
};

/** A CSV upload as the apps write it: every line, including the last, ends in `\n`. */
export function encryptTextFile({ publicKey, lines, aesKey = randomBytes(16), ivs }: TextFileInput): Buffer {
  const out = [encryptKeyLine(publicKey, aesKey)];
  lines.forEach((line, i) => out.push(encryptDataLine(aesKey, line, ivs?.[i] ?? randomBytes(16))));
  return Buffer.from(out.join('\n') + '\n', 'latin1');
}

export type BinaryFileInput = {
  publicKey: string | KeyObject;
  data: Buffer;
  /** Android ends the single data line with `\n`; iOS does not. */
  layout: 'android' | 'ios';
  aesKey?: Buffer;
  iv?: Buffer;
};

/** An audio upload (§3.5): the key line, then the whole file as ONE encrypted line. */
export function encryptBinaryFile({ publicKey, data, layout, aesKey = randomBytes(16), iv }: BinaryFileInput): Buffer {
  const body = `${encryptKeyLine(publicKey, aesKey)}\n${encryptDataLine(aesKey, data, iv)}`;
  return Buffer.from(layout === 'android' ? `${body}\n` : body, 'latin1');
}
