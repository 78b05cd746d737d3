import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';

/** No `0`, so ids and temporary passwords typed on a phone are not misread (spec §1.4). */
const EASY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz123456789';

function easyString(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += EASY_ALPHABET[randomInt(EASY_ALPHABET.length)];
  return out;
}

export const generateBeiweId = (): string => easyString(8);

/**
 * Whether text could be a patient id at all: 1–8 printable ASCII characters (the column is ASCII,
 * so other text cannot even be compared with it, and ours are 8 from the alphabet above).
 */
export const isPatientIdShaped = (text: string): boolean => /^[\x21-\x7e]{1,8}$/.test(text);
export const generateTemporaryPassword = (): string => easyString(8);

/**
 * What the apps send as `password`: SHA-256 of the UTF-8 password as base64url WITH `=` padding
 * (44 chars). Node's `base64url` drops the padding, hence the translation from `base64`.
 */
export function beiweDeviceHash(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

type ScryptParams = { N: number; r: number; p: number };
const CURRENT: ScryptParams = { N: 1 << 14, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

function runScrypt(secret: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Node's default memory cap (32 MiB) would refuse a stronger N later.
    scrypt(secret, salt, KEY_BYTES, { N, r, p, maxmem: MAX_SCRYPT_MEMORY + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key)
    );
  });
}

/**
 * Slow hash of the device hash (the 44-char value the apps send), stored self-describing as
 * `scrypt$N$r$p$<b64url salt>$<b64url key>` so the cost can be raised without a migration.
 */
export async function hashPassword(deviceHash: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await runScrypt(deviceHash, salt, CURRENT);
  const { N, r, p } = CURRENT;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parseStored(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const [algorithm, n, r, p, salt, key, ...rest] = stored.split('$');
  if (algorithm !== 'scrypt' || rest.length > 0 || !salt || !key) return undefined;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const { N, r: blockSize, p: parallel } = params;
  // Bounds keep a corrupted row from making verification allocate gigabytes (scrypt uses 128·N·r bytes).
  const sane =
    Number.isInteger(N) &&
    N >= 2 &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(blockSize) &&
    blockSize >= 1 &&
    128 * N * blockSize <= MAX_SCRYPT_MEMORY &&
    Number.isInteger(parallel) &&
    parallel >= 1 &&
    parallel <= 16;
  if (!sane) return undefined;
  return { params, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

/** Constant-time check of a received device hash against `hashPassword`'s output; false if malformed. */
export async function verifyPassword(deviceHash: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed || parsed.key.length !== KEY_BYTES) return false;
  const candidate = await runScrypt(deviceHash, parsed.salt, parsed.params);
  return timingSafeEqual(candidate, parsed.key);
}
