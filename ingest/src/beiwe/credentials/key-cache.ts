import type { KeyObject } from 'node:crypto';
import type { Vault } from '../../vault/vault.ts';
import { extractAesKey, toPrivateKey, type AesKeyResult } from '../protocol/key-line.ts';
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

/**
 * Key lines opened lately at receive and the AES keys they gave, so that processing an upload in the
 * process that received it skips the second RSA operation (0.3 ms of CPU an upload). An entry holds
 * only for the sealed key it came from and is taken by its first use; beyond `MAX_KEY_LINES` (a few
 * MB: minutes of uploads at 10,000 participants) the oldest go, as they do in a process that only
 * receives.
 */
export const MAX_KEY_LINES = 4_096;

type OpenedLine = { sealed: string; result: AesKeyResult & { ok: true } };

const openedLines = new WeakMap<Vault, Map<string, OpenedLine>>();

/**
 * `extractAesKey` with the participant's cached private key. `remember`: the receive check, whose
 * upload is processed soon; otherwise the processing, which takes what the check remembered.
 */
export function openKeyLine(
  vault: Vault,
  participantId: number,
  sealed: string,
  keyLine: Uint8Array,
  remember: boolean
): AesKeyResult {
  let opened = openedLines.get(vault);
  if (!opened) openedLines.set(vault, (opened = new Map<string, OpenedLine>()));
  const id = `${participantId}:${Buffer.from(keyLine.buffer, keyLine.byteOffset, keyLine.length).toString('latin1')}`;
  const hit = opened.get(id);
  if (hit) {
    opened.delete(id);
    if (hit.sealed === sealed) return hit.result;
  }
  const result = extractAesKey(keyLine, participantPrivateKey(vault, participantId, sealed));
  if (remember && result.ok) {
    opened.set(id, { sealed, result });
    if (opened.size > MAX_KEY_LINES) opened.delete(opened.keys().next().value!);
  }
  return result;
}
