import { pbkdf2Sync } from 'node:crypto';
import { b64url, sha256B64url } from './encrypt.ts';
import type { Prng } from './prng.ts';

/**
 * Android's hashed identifiers (specs/beiwe-protocol.md §4.3, EncryptionEngine.hashPhoneNumber /
 * hashMAC): phone numbers, Wi-Fi BSSIDs and Bluetooth MACs. iOS collects none.
 */
export type IdentifierHasher = {
  hashPhoneNumber(raw: string): string;
  hashMac(mac: string): string;
  /** Follows the registration response's `use_anonymized_hashing` (the app's default is true). */
  setAnonymized(anonymized: boolean): void;
};

export type InstallSecrets = { salt: Buffer; iterations: number };

/** Per-install PBKDF2 parameters: 64 random salt bytes and 1100 - nextInt(200), i.e. 901…1100 iterations. */
export function newInstallSecrets(random: Prng): InstallSecrets {
  return { salt: random.bytes(64), iterations: 1100 - random.int(0, 199) };
}

export function createIdentifierHasher(secrets: InstallSecrets, anonymized = true): IdentifierHasher {
  let useAnonymized = anonymized;
  // The salt is persisted as `new String(bytes)` and read back with getBytes(): the very first hash
  // of an install uses the raw bytes, every later one the UTF-8 re-encoding of the lossy decode.
  // (Node's TextDecoder and Java's decoder are assumed to substitute U+FFFD the same way.)
  let salt: Buffer = secrets.salt;
  let saltPersisted = false;
  const cache = new Map<string, string>();

  const pbkdf2 = (input: string): string => {
    const cached = saltPersisted ? cache.get(input) : undefined;
    if (cached !== undefined) return cached;
    const hash = b64url(pbkdf2Sync(Buffer.from(input, 'utf8'), salt, secrets.iterations, 64, 'sha256'));
    if (!saltPersisted) {
      salt = Buffer.from(new TextDecoder('utf-8').decode(secrets.salt), 'utf8');
      saltPersisted = true;
    } else {
      cache.set(input, hash);
    }
    return hash;
  };
  // safeHash: SHA-256, except that an empty input becomes the literal `null_data`.
  const plain = (input: string) => (input === '' ? 'null_data' : sha256B64url(input));
  const hash = (input: string) => (useAnonymized ? pbkdf2(input) : plain(input));

  return {
    hashPhoneNumber: (raw) => hash(raw.replace(/\D+/g, '').slice(-10)),
    hashMac: (mac) => hash(mac),
    setAnonymized: (on) => {
      useAnonymized = on;
    },
  };
}
