import { constants, createPrivateKey, privateDecrypt, type KeyObject } from 'node:crypto';
import { decodeBase64UrlStrict } from './base64url.ts';

export type AesKeyResult = { ok: true; key: Buffer } | { ok: false; reason: string };

const AES_KEY_BYTES = 16;

function isKeyLineByte(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2d || // -
    c === 0x5f || // _
    c === 0x3d // =
  );
}

/** Accepts a PKCS#1 or PKCS#8 PEM, or an already parsed key (parse once when decrypting many files). */
export function toPrivateKey(privateKey: string | KeyObject): KeyObject {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
    throw new TypeError('a Beiwe participant key must be an RSA private key');
  }
  return key;
}

/**
 * Textbook-RSA decryption as the backend does it with `pow(c, d, n)`: the apps encrypt without
 * padding (Android `Cipher.getInstance("RSA")` is NoPadding there), so OpenSSL's RSA_NO_PADDING
 * is the exact inverse. OpenSSL wants the input exactly as long as the modulus, while Python
 * reads any length as a big-endian integer, hence the normalisation.
 */
function rsaRawDecrypt(ciphertext: Buffer, key: KeyObject): Buffer | undefined {
  const modulusBytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) >>> 3;
  let c = ciphertext;
  let leadingZeros = 0;
  while (leadingZeros < c.length - modulusBytes && c[leadingZeros] === 0) leadingZeros++;
  c = c.subarray(leadingZeros);
  if (c.length > modulusBytes) return undefined;
  if (c.length < modulusBytes) {
    const padded = Buffer.alloc(modulusBytes);
    c.copy(padded, modulusBytes - c.length);
    c = padded;
  }
  try {
    return privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, c);
  } catch {
    // Only a ciphertext >= n lands here. Python would reduce it mod n and decrypt garbage, which
    // in practice never decodes to a 16-byte key.
    return undefined;
  }
}

/**
 * Recovers the AES-128 key from a Beiwe file's first line (spec §3.4 step 3):
 * b64url(RSA_raw(b64url(16-byte key))). A PKCS#1 v1.5-padded line decrypts to 0x02… and fails
 * the 16-byte check, exactly as on the backend.
 */
export function extractAesKey(keyLine: Uint8Array, privateKey: string | KeyObject): AesKeyResult {
  for (let i = 0; i < keyLine.length; i++) {
    const c = keyLine[i]!;
    if (!isKeyLineByte(c)) {
      return { ok: false, reason: `key line is not base64url: byte 0x${c.toString(16).padStart(2, '0')} at ${i}` };
    }
  }
  const rsaCiphertext = decodeBase64UrlStrict(keyLine);
  if (!rsaCiphertext) return { ok: false, reason: `key line is not padded base64url (${keyLine.length} chars)` };

  const rsaPlaintext = rsaRawDecrypt(rsaCiphertext, toPrivateKey(privateKey));
  if (!rsaPlaintext) return { ok: false, reason: 'key line does not fit the RSA modulus' };
  let start = 0;
  while (start < rsaPlaintext.length && rsaPlaintext[start] === 0) start++;

  const key = decodeBase64UrlStrict(rsaPlaintext.subarray(start));
  if (!key) return { ok: false, reason: 'decrypted key is not base64url (wrong RSA key or padded RSA)' };
  if (key.length !== AES_KEY_BYTES) {
    return { ok: false, reason: `decrypted key is ${key.length} bytes, not ${AES_KEY_BYTES}` };
  }
  return { ok: true, key };
}
