import type { KeyObject } from 'node:crypto';
import type { Vault } from '../../vault/vault.ts';
import { toPrivateKey } from '../protocol/key-line.ts';
import { privateKeyContext } from './store.ts';

/**
 * Participants' RSA keys, opened from the vault and parsed once per process rather than on every
 * upload (parsing a PEM costs more than the RSA decryption itself). An entry is good only for the
 * sealed key it came from: a participant given a new key is parsed afresh. The least recently used
 * entries go beyond `MAX_KEYS` (a parsed 2048-bit key holds a few KB).
 */
export const MAX_KEYS = 20_000;

type Entry = { sealed: string; key: KeyObject };

// One cache per vault: the vault is the process's (tests build their own), and so is its cache.
const caches = new WeakMap<Vault, Map<number, Entry>>();

export function participantPrivateKey(vault: Vault, participantId: number, sealed: string): KeyObject {
  let cache = caches.get(vault);
  if (!cache) caches.set(vault, (cache = new Map<number, Entry>()));
  const hit = cache.get(participantId);
  if (hit) {
    cache.delete(participantId);
    if (hit.sealed === sealed) {
      cache.set(participantId, hit);
      return hit.key;
    }
  }
  const key = toPrivateKey(vault.open(sealed, privateKeyContext(participantId)).toString('utf8'));
  cache.set(participantId, { sealed, key });
  if (cache.size > MAX_KEYS) cache.delete(cache.keys().next().value!);
  return key;
}
