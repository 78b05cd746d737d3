import { randomBytes } from 'node:crypto';
import { VaultError } from '../vault/vault.ts';
import type { Vault } from '../vault/vault.ts';

/**
 * Each study has one archive data key; only its vault-sealed form is stored. The context binds the sealed
 * key to its study, so a key copied onto another study's row does not open.
 */

const DATA_KEY_BYTES = 32;

export function generateDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

export function wrapDataKey(vault: Vault, studyId: number, dataKey: Buffer): string {
  if (dataKey.length !== DATA_KEY_BYTES) throw new RangeError('an archive data key must be 32 bytes');
  return vault.seal(dataKey, contextOf(studyId));
}

export function unwrapDataKey(vault: Vault, studyId: number, sealed: string): Buffer {
  const dataKey = vault.open(sealed, contextOf(studyId));
  if (dataKey.length !== DATA_KEY_BYTES) throw new VaultError(`archive data key of study ${studyId} is not 32 bytes`);
  return dataKey;
}

function contextOf(studyId: number): string {
  return `study:${studyId}:archive-key`;
}
