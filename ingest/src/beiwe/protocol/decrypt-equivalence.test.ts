import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptBeiweFileReference } from '../../test/beiwe-decrypt-reference.ts';
import { encryptRawBlocks } from '../../test/beiwe-test-vectors.ts';
import { b64url, encryptKeyLine, encryptLine } from '../../test/phone-emulator/encrypt.ts';
import { createPrng } from '../../test/phone-emulator/prng.ts';
import { testPrivateKeyPem, testPublicKeyPem } from '../../test/phone-emulator/test-keys.ts';
import { decryptBeiweFile } from './decrypt-file.ts';
import { LINE_ERROR_TYPES } from './decrypt-result.ts';

/**
 * The one-call CBC fast path must be indistinguishable from the per-line reference on anything,
 * including every kind of damaged line, so random files are decrypted by both and compared whole.
 */

const privateKey = createPrivateKey(testPrivateKeyPem);
const CORRUPT_CHARS = ['+', '/', '!', '=', '\0', '\r', ' ', 'é', '.'];

function fileGenerator(seed: number) {
  const random = createPrng(seed);
  const int = (max: number) => random.int(0, max);
  const bytes = (n: number) => random.bytes(n);
  const aesKey = bytes(16);

  const valid = (maxPlaintext: number) => encryptLine(bytes(int(maxPlaintext)), aesKey, bytes(16));
  const damaged: (() => string)[] = [
    () => valid(120),
    () => valid(120),
    () => valid(120),
    () => {
      const iv = bytes(16);
      return `${b64url(iv)}:${encryptRawBlocks(aesKey, iv, bytes(16 * (1 + int(3))))}`;
    },
    () => {
      const [iv, ct] = valid(60).split(':') as [string, string];
      return `${iv}:${b64url(Buffer.concat([Buffer.from(ct, 'base64url'), bytes(1 + int(14))]))}`;
    },
    () => valid(60).replace(':', ''),
    () => {
      const text = valid(60);
      const at = int(text.length);
      return `${text.slice(0, at)}:${text.slice(at)}`;
    },
    () => {
      const text = valid(60);
      const at = int(text.length - 1);
      return `${text.slice(0, at)}${random.pick(CORRUPT_CHARS)}${text.slice(at + 1)}`;
    },
    () => valid(60).slice(0, -(1 + int(9))),
    () => valid(60).replace(/=+$/, ''),
    () => `${b64url(bytes(int(15)))}:${valid(40).split(':')[1]}`,
    () => `${b64url(bytes(17 + int(30)))}:${valid(40).split(':')[1]}`,
    () => `${b64url(bytes(int(15) + 16 * int(1)))}:${b64url(bytes(int(15)))}`,
    () => '',
    () => bytes(int(200)).toString('latin1').replaceAll('\n', ''),
  ];

  return (lineCount: number, keyLine: 'good' | 'garbage'): Buffer => {
    const lines = Array.from({ length: lineCount }, () => random.pick(damaged)());
    const key = keyLine === 'good' ? encryptKeyLine(aesKey, testPublicKeyPem) : bytes(int(400)).toString('latin1');
    const text = `${'\n'.repeat(int(2))}${[key, ...lines].join('\n')}${random.chance(0.5) ? '\n' : ''}`;
    return Buffer.from(text, 'latin1');
  };
}

function expectSame(file: Buffer, label: string) {
  const fast = decryptBeiweFile(file, privateKey);
  const reference = decryptBeiweFileReference(file, privateKey);
  if (fast.kind === 'ok' && reference.kind === 'ok') {
    // Buffer.equals: a deep equality walk over megabytes of plaintext would take seconds.
    expect(fast.plaintext.equals(reference.plaintext), label).toBe(true);
    expect({ ...fast, plaintext: null }, label).toEqual({ ...reference, plaintext: null });
  } else {
    expect(fast, label).toEqual(reference);
  }
  return fast;
}

// Seconds of work each; generous limits keep a busy CI machine from failing them.
describe('decryptBeiweFile matches the per-line reference', { timeout: 30_000 }, () => {
  it('on 300 random small files with every kind of damaged line', () => {
    const seen = Object.fromEntries(LINE_ERROR_TYPES.map((type) => [type, 0]));
    let good = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const make = fileGenerator(seed);
      const result = expectSame(make(seed % 150, seed % 25 === 0 ? 'garbage' : 'good'), `seed ${seed}`);
      if (result.kind !== 'ok') continue;
      good += result.lines;
      for (const type of LINE_ERROR_TYPES) seen[type]! += result.errors[type];
    }
    // Guards the generator itself: the comparison means little unless every path was taken.
    expect(good).toBeGreaterThan(1000);
    for (const type of LINE_ERROR_TYPES) expect(seen[type], type).toBeGreaterThan(50);
  });

  it('on a large file whose lines straddle the 1 MiB decipher chunks', () => {
    const result = expectSame(fileGenerator(4242)(80_000, 'good'), 'seed 4242');
    // The laid-out ciphertext is longer than the plaintext, so this means several chunks.
    expect(result.kind === 'ok' && result.plaintext.length).toBeGreaterThan(1024 * 1024);
  });

  it('on multi-megabyte lines mixed with short ones', () => {
    const random = createPrng(7);
    const aesKey = random.bytes(16);
    const lines = [300_000, 5, 1_500_000, 40, 2_100_000].map((n) =>
      encryptLine(random.bytes(n), aesKey, random.bytes(16))
    );
    const file = Buffer.from([encryptKeyLine(aesKey, testPublicKeyPem), ...lines].join('\n'), 'latin1');
    const result = expectSame(file, 'long lines');
    expect(result.kind === 'ok' && result.lines).toBe(5);
  });
});
