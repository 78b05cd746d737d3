import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, brotliDecompress, brotliDecompressSync, constants } from 'node:zlib';
import type { Cipher, Decipher } from 'node:crypto';

/**
 * At-rest format of an archived upload (all integers big-endian):
 *
 *     magic "VGAR" (4) | version (1) | codec (1) | plaintext length (8) | salt (16) | iv (12) | ciphertext | tag (16)
 *
 * The body is compressed (or stored as is when that is not smaller), then AES-256-GCM encrypted under a
 * key derived from the study's data key and the per-object random salt. Per-object keys keep GCM's
 * random-IV limit (2^32 messages per key) out of reach: a study of 10k phones uploads ~3.5·10^9 files a year.
 * The whole header plus the caller's `aad` (the object key) is authenticated, so a moved or edited object
 * does not open.
 */

export class ArchiveObjectError extends Error {
  override name = 'ArchiveObjectError';
  constructor(
    readonly reason: 'malformed' | 'unsupported' | 'unauthentic',
    message: string
  ) {
    super(message);
  }
}

const MAGIC = Buffer.from('VGAR', 'latin1');
const VERSION = 1;
const CODEC_NONE = 0;
const CODEC_BROTLI = 1;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + 1 + 8 + SALT_BYTES + IV_BYTES;
const SUBKEY_INFO = Buffer.from('vigil-archive-v1');
// GCM runs at several GB/s; 4 MiB slices keep a 128 MB upload from holding the event loop for long.
const SLICE_BYTES = 4 * 1024 * 1024;

// Measured on this 2-core box over 10 MB of Beiwe upload text (base64url IV:ciphertext lines): brotli
// quality 1 compresses at 160-200 MB/s to 0.756 of the input, deflate Huffman-only at 90-120 MB/s and
// gzip level 1 at 33-41 MB/s, both to 0.758. Encrypted lines only shed their base64 overhead, so a
// higher level buys nothing. Node 20 has no zstd.
const BROTLI_QUALITY = 1;

const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);
/**
 * Bodies up to this size are (de)compressed on the event loop (at most ~0.4 ms at quality 1): a
 * trip through the thread pool, two for each call, costs more than that work (docs/scaling.md).
 */
const IN_PLACE_BYTES = 64 * 1024;

export async function sealArchiveObject(dataKey: Buffer, plaintext: Buffer, aad: string): Promise<Buffer> {
  assertDataKey(dataKey);
  const options = {
    // One output chunk for a typical upload instead of 16 KiB pieces joined at the end.
    chunkSize: Math.min(Math.max(plaintext.length, 64 * 1024), MAX_CHUNK_BYTES),
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: plaintext.length,
    },
  };
  const compressed =
    plaintext.length <= IN_PLACE_BYTES ? brotliCompressSync(plaintext, options) : await compress(plaintext, options);
  // Audio and already-compressed uploads do not shrink; storing them raw makes reading them back cheaper.
  const [codec, body] = compressed.length < plaintext.length ? [CODEC_BROTLI, compressed] : [CODEC_NONE, plaintext];

  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length + TAG_BYTES);
  let at = MAGIC.copy(out, 0);
  at = out.writeUInt8(VERSION, at);
  at = out.writeUInt8(codec, at);
  at = out.writeBigUInt64BE(BigInt(plaintext.length), at);
  const salt = randomBytes(SALT_BYTES);
  at += salt.copy(out, at);
  const iv = randomBytes(IV_BYTES);
  iv.copy(out, at);

  const cipher = createCipheriv('aes-256-gcm', subkey(dataKey, salt), iv);
  cipher.setAAD(Buffer.concat([out.subarray(0, HEADER_BYTES), Buffer.from(aad)]));
  await transformInto(cipher, body, out, HEADER_BYTES);
  cipher.final();
  cipher.getAuthTag().copy(out, HEADER_BYTES + body.length);
  return out;
}

export async function openArchiveObject(dataKey: Buffer, sealed: Buffer, aad: string): Promise<Buffer> {
  assertDataKey(dataKey);
  if (sealed.length < HEADER_BYTES + TAG_BYTES || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ArchiveObjectError('malformed', 'not an archive object (bad magic or truncated)');
  }
  const version = sealed.readUInt8(MAGIC.length);
  if (version !== VERSION) {
    throw new ArchiveObjectError('unsupported', `archive object format version ${version} is not supported`);
  }
  const codec = sealed.readUInt8(MAGIC.length + 1);
  const plainLength = sealed.readBigUInt64BE(MAGIC.length + 2);
  const salt = sealed.subarray(HEADER_BYTES - IV_BYTES - SALT_BYTES, HEADER_BYTES - IV_BYTES);
  const iv = sealed.subarray(HEADER_BYTES - IV_BYTES, HEADER_BYTES);
  const ciphertext = sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES);

  const decipher = createDecipheriv('aes-256-gcm', subkey(dataKey, salt), iv);
  decipher.setAAD(Buffer.concat([sealed.subarray(0, HEADER_BYTES), Buffer.from(aad)]));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const body = Buffer.allocUnsafe(ciphertext.length);
  await transformInto(decipher, ciphertext, body, 0);
  try {
    decipher.final();
  } catch {
    throw new ArchiveObjectError(
      'unauthentic',
      'archive object failed authentication (tampered, wrong key or wrong key name)'
    );
  }

  // From here the header is authentic, so a mismatch is a writer bug or a newer writer, not tampering.
  if (codec === CODEC_NONE) {
    if (BigInt(body.length) !== plainLength)
      throw new ArchiveObjectError('malformed', 'archive object length mismatch');
    return body;
  }
  if (codec !== CODEC_BROTLI) {
    throw new ArchiveObjectError('unsupported', `archive object codec ${codec} is not supported`);
  }
  const options = { maxOutputLength: Math.max(1, Number(plainLength)) };
  let plaintext: Buffer;
  try {
    plaintext = plainLength <= IN_PLACE_BYTES ? brotliDecompressSync(body, options) : await decompress(body, options);
  } catch {
    throw new ArchiveObjectError('malformed', 'archive object does not decompress');
  }
  if (BigInt(plaintext.length) !== plainLength) {
    throw new ArchiveObjectError('malformed', 'archive object length mismatch');
  }
  return plaintext;
}

function assertDataKey(dataKey: Buffer): void {
  if (dataKey.length !== 32) throw new RangeError('an archive data key must be 32 bytes');
}

function subkey(dataKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, salt, SUBKEY_INFO, 32));
}

async function transformInto(stream: Cipher | Decipher, input: Buffer, out: Buffer, offset: number): Promise<void> {
  for (let start = 0; start < input.length; start += SLICE_BYTES) {
    if (start > 0) await yieldToEventLoop();
    const slice = input.subarray(start, start + SLICE_BYTES);
    // GCM is a stream mode: every slice comes out whole, which is what makes writing in place safe.
    if (stream.update(slice).copy(out, offset + start) !== slice.length)
      throw new Error('AES-GCM output lagged its input');
  }
}
