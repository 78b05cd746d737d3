import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ArchiveObjectError, openArchiveObject, sealArchiveObject } from './codec.ts';

const AAD = 'study-1/abcd1234/accel/1700000000000.csv.v1';
// Layout from the codec's documentation: magic(4) version(1) codec(1) length(8) salt(16) iv(12) … tag(16).
const HEADER = 42;
const TAG = 16;

function compressibleText(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let t = 1_700_000_000_000; size < bytes; t += 100) {
    const line = `${t},unknown,${Math.sin(t).toFixed(16)},${Math.cos(t).toFixed(16)},9.8${t % 97}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/** An independent reading of the documented format, to check what the codec writes. */
function openByHand(dataKey: Buffer, sealed: Buffer, aad: string): { codec: number; length: bigint; body: Buffer } {
  const salt = sealed.subarray(14, 30);
  const iv = sealed.subarray(30, 42);
  const key = Buffer.from(hkdfSync('sha256', dataKey, salt, 'vigil-archive-v1', 32));
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.concat([sealed.subarray(0, HEADER), Buffer.from(aad)]));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  const body = Buffer.concat([decipher.update(sealed.subarray(HEADER, sealed.length - TAG)), decipher.final()]);
  return { codec: sealed[5] ?? -1, length: sealed.readBigUInt64BE(6), body };
}

/** Writes a well-formed, authentic object with any codec id, as a future writer might. */
function sealByHand(dataKey: Buffer, codec: number, body: Buffer, aad: string): Buffer {
  const header = Buffer.alloc(HEADER);
  header.write('VGAR', 0, 'latin1');
  header[4] = 1;
  header[5] = codec;
  header.writeBigUInt64BE(BigInt(body.length), 6);
  randomBytes(28).copy(header, 14);
  const key = Buffer.from(hkdfSync('sha256', dataKey, header.subarray(14, 30), 'vigil-archive-v1', 32));
  const cipher = createCipheriv('aes-256-gcm', key, header.subarray(30, 42));
  cipher.setAAD(Buffer.concat([header, Buffer.from(aad)]));
  return Buffer.concat([header, cipher.update(body), cipher.final(), cipher.getAuthTag()]);
}

async function openError(dataKey: Buffer, sealed: Buffer, aad: string): Promise<ArchiveObjectError> {
  const err = await openArchiveObject(dataKey, sealed, aad).then(
    () => undefined,
    (e: unknown) => e
  );
  if (!(err instanceof ArchiveObjectError)) throw new Error(`expected ArchiveObjectError, got ${String(err)}`);
  return err;
}

describe('sealArchiveObject / openArchiveObject', () => {
  const dataKey = randomBytes(32);

  it.each([
    ['0 bytes', Buffer.alloc(0)],
    ['1 byte', Buffer.from([0xa5])],
    ['1 MB random', randomBytes(1024 * 1024)],
    ['9 MB + 3 random (three GCM slices)', randomBytes(9 * 1024 * 1024 + 3)],
    ['64 KB compressible text (compressed on the event loop)', compressibleText(64 * 1024)],
    ['64 KB + 1 compressible text (compressed in the thread pool)', compressibleText(64 * 1024 + 1)],
    ['10 MB compressible text', compressibleText(10 * 1024 * 1024)],
  ])('round-trips %s and matches the documented layout', async (_, plaintext) => {
    const sealed = await sealArchiveObject(dataKey, plaintext, AAD);
    // Buffer.equals: vitest's deep equality walks a Buffer byte by byte and takes minutes on 10 MB.
    expect((await openArchiveObject(dataKey, sealed, AAD)).equals(plaintext)).toBe(true);

    expect(sealed.subarray(0, 5)).toEqual(Buffer.from('VGAR\x01', 'latin1'));
    const byHand = openByHand(dataKey, sealed, AAD);
    expect(byHand.length).toBe(BigInt(plaintext.length));
    expect((byHand.codec === 1 ? brotliDecompressSync(byHand.body) : byHand.body).equals(plaintext)).toBe(true);
  });

  it('compresses text and stores incompressible bytes raw', async () => {
    const text = compressibleText(1024 * 1024);
    const sealedText = await sealArchiveObject(dataKey, text, AAD);
    expect(sealedText[5]).toBe(1);
    expect(sealedText.length).toBeLessThan(text.length / 2);

    const noise = randomBytes(100_000);
    const sealedNoise = await sealArchiveObject(dataKey, noise, AAD);
    expect(sealedNoise[5]).toBe(0);
    expect(sealedNoise.length).toBe(noise.length + HEADER + TAG);
  });

  it('never repeats a ciphertext and never shows the plaintext', async () => {
    const plaintext = Buffer.from('timestamp,accuracy,x,y,z\n'.repeat(50));
    const a = await sealArchiveObject(dataKey, plaintext, AAD);
    const b = await sealArchiveObject(dataKey, plaintext, AAD);
    expect(a.subarray(14).equals(b.subarray(14))).toBe(false);
    expect(a.includes('timestamp')).toBe(false);
  });

  it('detects a flipped bit in every byte of the object', async () => {
    for (const plaintext of [Buffer.from('short'), compressibleText(300)]) {
      const sealed = await sealArchiveObject(dataKey, plaintext, AAD);
      for (let i = 0; i < sealed.length; i += 1) {
        const tampered = Buffer.from(sealed);
        tampered[i] = (tampered[i] ?? 0) ^ (1 << (i % 8));
        const err = await openError(dataKey, tampered, AAD);
        expect(err.reason, `byte ${i}`).toBe(i < 4 ? 'malformed' : i === 4 ? 'unsupported' : 'unauthentic');
      }
    }
  });

  it('refuses another key name, another data key, and truncation', async () => {
    const sealed = await sealArchiveObject(dataKey, Buffer.from('payload'), AAD);
    expect((await openError(dataKey, sealed, `${AAD}-duplicate-abc`)).reason).toBe('unauthentic');
    expect((await openError(randomBytes(32), sealed, AAD)).reason).toBe('unauthentic');
    expect((await openError(dataKey, sealed.subarray(0, sealed.length - 1), AAD)).reason).toBe('unauthentic');
    expect((await openError(dataKey, sealed.subarray(0, HEADER + TAG - 1), AAD)).reason).toBe('malformed');
    expect((await openError(dataKey, Buffer.alloc(0), AAD)).reason).toBe('malformed');
  });

  it('names an unknown format version, and an unknown codec once the header is authentic', async () => {
    const sealed = await sealArchiveObject(dataKey, Buffer.from('payload'), AAD);
    sealed[4] = 2;
    const err = await openError(dataKey, sealed, AAD);
    expect([err.reason, err.message]).toEqual(['unsupported', 'archive object format version 2 is not supported']);

    expect((await openError(dataKey, sealByHand(dataKey, 7, Buffer.from('x'), AAD), AAD)).reason).toBe('unsupported');
    expect(await openArchiveObject(dataKey, sealByHand(dataKey, 0, Buffer.from('raw'), AAD), AAD)).toEqual(
      Buffer.from('raw')
    );
  });

  it('names an authentic brotli body that does not decompress as malformed, on the event loop or in the thread pool', async () => {
    for (const bytes of [64 * 1024, 64 * 1024 + 1]) {
      const notBrotli = Buffer.alloc(bytes, 'not brotli ');
      const err = await openError(dataKey, sealByHand(dataKey, 1, notBrotli, AAD), AAD);
      expect([err.reason, err.message], `${bytes} bytes`).toEqual(['malformed', 'archive object does not decompress']);
    }
  });

  it('rejects data keys that are not 32 bytes', async () => {
    await expect(sealArchiveObject(randomBytes(16), Buffer.from('x'), AAD)).rejects.toThrow(RangeError);
    await expect(openArchiveObject(randomBytes(31), Buffer.alloc(100), AAD)).rejects.toThrow(RangeError);
  });
});
