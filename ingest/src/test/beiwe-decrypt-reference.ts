import { createDecipheriv, type KeyObject } from 'node:crypto';
import { createLineErrorLog, type DecryptResult, type LineErrorType } from '../beiwe/protocol/decrypt-result.ts';
import { extractAesKey } from '../beiwe/protocol/key-line.ts';

/**
 * A line-by-line transcription of the backend's `DeviceDataDecryptor` (spec §3.4): one
 * `createDecipheriv` per line. It is ~30× slower than `decryptBeiweFile` and exists as the oracle
 * the fast path is tested against and as the benchmark's baseline, so it deliberately shares no
 * parsing or base64 code with it.
 */
export function decryptBeiweFileReference(file: Buffer, privateKey: string | KeyObject): DecryptResult {
  const lines = splitBytes(file, 0x0a).filter((line) => line.length > 0);
  const [keyLine] = lines;
  if (!keyLine) return { kind: 'empty', reason: 'The file had no data in it.' };
  const key = extractAesKey(keyLine, privateKey);
  if (!key.ok) return { kind: 'key_error', reason: key.reason };

  const log = createLineErrorLog();
  const good: Buffer[] = [];
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!;
    const result = decryptLine(line, key.key);
    if (typeof result === 'string') log.record(index, result, line, 0, line.length);
    else good.push(result);
  }
  return {
    kind: 'ok',
    plaintext: Buffer.concat(good.flatMap((line, i) => (i === 0 ? [line] : [Buffer.from('\n'), line]))),
    lines: good.length,
    dataLines: lines.length - 1,
    errors: log.counts,
    errorCount: log.total(),
    badLines: log.badLines,
    aesKey: key.key,
  };
}

function decryptLine(line: Buffer, aesKey: Buffer): Buffer | LineErrorType {
  const parts = splitBytes(line, 0x3a);
  if (parts.length !== 2) return 'MALFORMED_CONFIG';
  const iv = decodePadded(parts[0]!.toString('latin1'));
  let data = decodePadded(parts[1]!.toString('latin1'));
  if (!iv || !data) return 'PADDING_ERROR';
  if (data.length < 16) return 'LINE_EMPTY';
  if (iv.length < 16) return 'IV_MISSING';
  data = data.subarray(0, data.length - (data.length % 16));
  let decrypted: Buffer;
  try {
    const decipher = createDecipheriv('aes-128-cbc', aesKey, iv).setAutoPadding(false);
    decrypted = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    // The backend maps the cipher's "Incorrect IV length" to this type; an over-long IV is the
    // only thing that can make the cipher throw here.
    return 'IV_BAD_LENGTH';
  }
  const padding = decrypted[decrypted.length - 1]!;
  return padding === 0 ? decrypted : decrypted.subarray(0, Math.max(0, decrypted.length - padding));
}

function decodePadded(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64url');
}

function splitBytes(buffer: Buffer, separator: number): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = buffer.indexOf(separator); i >= 0; i = buffer.indexOf(separator, start)) {
    parts.push(buffer.subarray(start, i));
    start = i + 1;
  }
  parts.push(buffer.subarray(start));
  return parts;
}
