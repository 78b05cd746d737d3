import type { KeyObject } from 'node:crypto';
import { encryptBinaryFile, encryptTextFile, newAesKey } from './encrypt.ts';
import type { Prng } from './prng.ts';
import type { PhoneOs, PlainFile, StreamId } from './types.ts';

export type GeneratedFile = {
  stream: StreamId;
  fileName: string;
  /** The upload, encrypted with the registered key. */
  bytes: Buffer;
  /** Plaintext header line (null for audio). */
  header: string | null;
  /** Plaintext rows, one per encrypted line (an Android wifi scan is one entry holding several `\n`-ended rows). */
  rows: string[];
  /** Audio only: the raw recording before encryption. */
  audio?: Buffer;
};

/**
 * Encrypts each file as the app would (a fresh AES key per file, a fresh IV per line), drawing
 * keys and IVs from `keys` so that a seeded phone uploads the same bytes every run.
 */
export function encryptForUpload(
  files: readonly PlainFile[],
  publicKey: KeyObject,
  os: PhoneOs,
  keys: Prng
): GeneratedFile[] {
  const iv = () => keys.bytes(16);
  return files.map((file): GeneratedFile => {
    const cipher = { os, aesKey: newAesKey(os, (n) => keys.bytes(n)), iv };
    if (file.kind === 'binary') {
      const bytes = encryptBinaryFile(file.bytes, publicKey, os, cipher);
      return { stream: file.stream, fileName: file.fileName, bytes, header: null, rows: [], audio: file.bytes };
    }
    const lines = file.header === null ? file.rows : [file.header, ...file.rows];
    const bytes = encryptTextFile(lines, publicKey, cipher);
    return { stream: file.stream, fileName: file.fileName, bytes, header: file.header, rows: file.rows };
  });
}
