import { constants, createPrivateKey, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptBeiweFileReference } from '../../test/beiwe-decrypt-reference.ts';
import { encryptRawBlocks, SPEC_AES_KEY, SPEC_HEADER, SPEC_HEADER_LINE } from '../../test/beiwe-test-vectors.ts';
import { b64url, encryptBinaryFile, encryptKeyLine, encryptLine } from '../../test/phone-emulator/encrypt.ts';
import { testPrivateKeyPem, testPublicKeyPem } from '../../test/phone-emulator/test-keys.ts';
import { DECIPHER_CHUNK_BYTES, decryptBeiweFile, decryptDataLines } from './decrypt-file.ts';
import { MAX_BAD_LINE_BYTES, MAX_BAD_LINES, type DecryptOk, type DecryptResult } from './decrypt-result.ts';

const KEY = SPEC_AES_KEY;
const KEY_LINE = encryptKeyLine(KEY, testPublicKeyPem);
const line = (text: string | Buffer) => encryptLine(text, KEY, randomBytes(16));
const fileOf = (...lines: string[]) => Buffer.from([KEY_LINE, ...lines].map((l) => `${l}\n`).join(''), 'latin1');

function expectOk(result: DecryptResult): DecryptOk {
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${result.kind}: ${result.reason}`);
  return result;
}

describe('the fixture key pair', () => {
  it('is PKCS#1 private and SPKI public PEM, as the Beiwe backend stores them', () => {
    expect(testPrivateKeyPem.startsWith('-----BEGIN RSA PRIVATE KEY-----')).toBe(true);
    expect(testPublicKeyPem.startsWith('-----BEGIN PUBLIC KEY-----')).toBe(true);
  });
});

describe.each([
  ['one-call CBC (decryptBeiweFile)', decryptBeiweFile],
  ['per-line reference', decryptBeiweFileReference],
])('%s', (_name, decrypt) => {
  const run = (file: Buffer) => decrypt(file, testPrivateKeyPem);

  describe('known answers', () => {
    it('decrypts the §3.3 header line', () => {
      const result = expectOk(run(fileOf(SPEC_HEADER_LINE)));
      expect(result.plaintext.toString()).toBe(SPEC_HEADER);
      expect(result.aesKey).toEqual(KEY);
    });

    it('accepts the private key as PKCS#1 PEM, PKCS#8 PEM or a KeyObject', () => {
      const keyObject = createPrivateKey(testPrivateKeyPem);
      const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'pem' }) as string;
      for (const key of [testPrivateKeyPem, pkcs8, keyObject]) {
        expect(expectOk(decrypt(fileOf(SPEC_HEADER_LINE), key)).plaintext.toString()).toBe(SPEC_HEADER);
      }
    });
  });

  describe('delete-file outcomes', () => {
    it('treats an empty file and a file of only newlines as empty', () => {
      expect(run(Buffer.alloc(0)).kind).toBe('empty');
      expect(run(Buffer.from('\n\n\n\n')).kind).toBe('empty');
    });
  });

  describe('key line', () => {
    const keyError = (file: Buffer) => {
      const result = run(file);
      expect(result.kind).toBe('key_error');
      return result.kind === 'key_error' ? result.reason : '';
    };

    it('rejects characters outside base64url', () => {
      expect(keyError(Buffer.from(`${KEY_LINE.slice(0, 10)}+${KEY_LINE.slice(11)}\n${line('a')}\n`))).toMatch(/0x2b/);
      expect(keyError(Buffer.from(`${KEY_LINE}\r\n${line('a')}\n`))).toMatch(/0x0d/);
    });

    it('rejects truncated base64 (missing padding)', () => {
      keyError(Buffer.from(`${KEY_LINE.slice(0, -1)}\n${line('a')}\n`));
      keyError(Buffer.from(`${KEY_LINE.slice(0, -2)}\n${line('a')}\n`));
    });

    it('rejects a PKCS#1 v1.5-padded key line (what a desktop JDK would write)', () => {
      const padded = publicEncrypt(
        { key: testPublicKeyPem, padding: constants.RSA_PKCS1_PADDING },
        Buffer.from(b64url(KEY), 'latin1')
      );
      expect(keyError(Buffer.from(`${b64url(padded)}\n${line('a')}\n`))).toMatch(/decrypted key/);
    });

    it('rejects a key line made for another participant', () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
      keyError(Buffer.from(`${encryptKeyLine(KEY, other)}\n${line('a')}\n`));
    });

    it('rejects an RSA plaintext that is base64 of a key of the wrong size', () => {
      keyError(Buffer.from(`${encryptKeyLine(randomBytes(24), testPublicKeyPem)}\n${line('a')}\n`));
    });

    it('rejects garbage, NUL-filled and too-long key lines', () => {
      keyError(randomBytes(5000));
      keyError(Buffer.alloc(4096));
      keyError(Buffer.from(`${KEY_LINE}AAAA\n${line('a')}\n`));
    });

    it('reads the RSA ciphertext as a big-endian integer, like the backend', () => {
      let aesKey: Buffer;
      let ciphertext: Buffer;
      do {
        aesKey = randomBytes(16);
        ciphertext = Buffer.from(encryptKeyLine(aesKey, testPublicKeyPem), 'base64url');
      } while (ciphertext[0] !== 0);
      const data = encryptLine('x', aesKey, randomBytes(16));
      for (const keyBytes of [ciphertext.subarray(1), Buffer.concat([Buffer.alloc(3), ciphertext])]) {
        expect(expectOk(run(Buffer.from(`${b64url(keyBytes)}\n${data}\n`))).plaintext.toString()).toBe('x');
      }
      expect(keyError(Buffer.from(`${b64url(Buffer.concat([Buffer.from([1]), ciphertext]))}\n${data}\n`))).toMatch(
        /modulus/
      );
      expect(keyError(Buffer.from(`${b64url(Buffer.alloc(256, 0xff))}\n${data}\n`))).toMatch(/modulus/);
    });

    it('finds the key on the first non-empty line', () => {
      const result = expectOk(run(Buffer.from(`\n\n${KEY_LINE}\n\n${SPEC_HEADER_LINE}\n\n`)));
      expect(result.plaintext.toString()).toBe(SPEC_HEADER);
      expect(result.dataLines).toBe(1);
    });
  });

  describe('data lines (§3.4 step 4)', () => {
    it('joins decrypted lines with \\n, drops blank lines, adds no trailing newline', () => {
      const result = expectOk(run(fileOf(line('one'), '', line('two'), line(''), line('three'))));
      expect(result.plaintext.toString()).toBe('one\ntwo\n\nthree');
      expect(result.lines).toBe(4);
      expect(result.errorCount).toBe(0);
    });

    it('decrypts a last line that has no newline', () => {
      const file = Buffer.from(`${KEY_LINE}\n${line('a')}\n${line('b')}`);
      expect(expectOk(run(file)).plaintext.toString()).toBe('a\nb');
    });

    it('keeps rows joined inside one encrypted line (Android wifi scans)', () => {
      const scan = 'h1,2412,-40\nh2,5180,-71\n';
      expect(expectOk(run(fileOf(line(scan)))).plaintext.toString()).toBe(scan);
    });

    it('counts MALFORMED_CONFIG for zero or several colons', () => {
      const good = line('ok');
      const result = expectOk(run(fileOf(good.replace(':', ''), `${good}:`, `x:${good}`, good)));
      expect(result.errors.MALFORMED_CONFIG).toBe(3);
      expect(result.plaintext.toString()).toBe('ok');
    });

    it('counts PADDING_ERROR for truncated base64 and characters outside the alphabet', () => {
      const good = line('0123456789abcdefXYZ');
      const [iv, ct] = good.split(':') as [string, string];
      const bad = [
        good.slice(0, -1),
        good.slice(0, -3),
        `${iv.slice(0, -2)}:${ct}`,
        `${iv}:${ct.replace(/^./, '+')}`,
        `${iv}:${ct.slice(0, 4)}=${ct.slice(5)}`,
        `${iv}:${ct}\r`,
        `${iv}:${ct.slice(0, -4)}A===`,
      ];
      const result = expectOk(run(fileOf(...bad, good)));
      expect(result.errors.PADDING_ERROR).toBe(bad.length);
      expect(result.lines).toBe(1);
    });

    it('counts LINE_EMPTY for data under 16 bytes, before looking at the IV', () => {
      const iv = b64url(randomBytes(16));
      const result = expectOk(
        run(fileOf(`${iv}:`, `${iv}:${b64url(randomBytes(15))}`, ':', `${b64url(randomBytes(3))}:`))
      );
      expect(result.errors.LINE_EMPTY).toBe(4);
      expect(result.plaintext.length).toBe(0);
      expect(result.lines).toBe(0);
    });

    it('counts IV_MISSING for an IV under 16 bytes and IV_BAD_LENGTH over 16', () => {
      const ct = line('payload').split(':')[1]!;
      const result = expectOk(
        run(fileOf(`:${ct}`, `${b64url(randomBytes(15))}:${ct}`, `${b64url(randomBytes(17))}:${ct}`))
      );
      expect(result.errors).toEqual({
        MALFORMED_CONFIG: 0,
        PADDING_ERROR: 0,
        LINE_EMPTY: 0,
        IV_MISSING: 2,
        IV_BAD_LENGTH: 1,
      });
    });

    it('silently truncates ciphertext bytes beyond a multiple of 16', () => {
      const iv = randomBytes(16);
      const ct = Buffer.from(line('sixteen+ bytes of text!').split(':')[1]!, 'base64url');
      for (const extra of [1, 7, 15]) {
        const tampered = `${b64url(iv)}:${b64url(Buffer.concat([ct, randomBytes(extra)]))}`;
        const clean = `${b64url(iv)}:${b64url(ct)}`;
        expect(expectOk(run(fileOf(tampered))).plaintext).toEqual(expectOk(run(fileOf(clean))).plaintext);
      }
    });

    it('strips padding without validating it', () => {
      const iv = randomBytes(16);
      const block = (last: number) => Buffer.concat([Buffer.from('ABCDEFGHIJKLMNO'), Buffer.from([last])]);
      const raw = (blocks: Buffer) => `${b64url(iv)}:${encryptRawBlocks(KEY, iv, blocks)}`;
      const decrypted = (blocks: Buffer) => expectOk(run(fileOf(raw(blocks)))).plaintext;
      expect(decrypted(block(0))).toEqual(block(0));
      expect(decrypted(block(5)).toString()).toBe('ABCDEFGHIJK');
      expect(decrypted(block(16)).length).toBe(0);
      expect(decrypted(block(200)).length).toBe(0);
      const first = randomBytes(16);
      expect(decrypted(Buffer.concat([first, block(20)]))).toEqual(first.subarray(0, 12));
    });

    it('keeps the first bad lines, truncated, and counts all of them', () => {
      const junk = Array.from({ length: MAX_BAD_LINES + 5 }, (_, i) => `junk-${i}-${'x'.repeat(400)}`);
      const result = expectOk(run(fileOf(line('h'), ...junk, line('r'))));
      expect(result.errors.MALFORMED_CONFIG).toBe(junk.length);
      expect(result.badLines).toHaveLength(MAX_BAD_LINES);
      expect(result.badLines[0]).toEqual({
        index: 2,
        type: 'MALFORMED_CONFIG',
        text: junk[0]!.slice(0, MAX_BAD_LINE_BYTES),
      });
      expect(result.dataLines).toBe(junk.length + 2);
      expect(result.plaintext.toString()).toBe('h\nr');
    });

    it('returns ok with no plaintext for a key line alone', () => {
      const result = expectOk(run(Buffer.from(`${KEY_LINE}\n`)));
      expect(result.plaintext.length).toBe(0);
      expect(result.lines).toBe(0);
    });
  });

  describe('audio files (§3.5)', () => {
    it.each(['android', 'ios'] as const)('returns the raw bytes of a %s upload', (os) => {
      const data = randomBytes(3 * 1024 * 1024 + 7);
      const result = expectOk(run(encryptBinaryFile(data, testPublicKeyPem, os)));
      expect(result.lines).toBe(1);
      expect(result.plaintext.equals(data)).toBe(true);
    });
  });
});

describe('chunked one-call decryption', { timeout: 30_000 }, () => {
  // Laid out, each line is its IV plus ciphertext. After a first line of 16·j ciphertext bytes,
  // 64-byte lines (32–47 plaintext bytes) end at offsets ≡ 16 + 16·j (mod 64), so j = 1..4
  // puts some line end at every block offset from a chunk boundary, including exactly on it.
  it.each([1, 2, 3, 4])('decrypts lines ending at every alignment to a chunk boundary (j = %i)', (j) => {
    const lines = [randomBytes(16 * j - 1)];
    const count = DECIPHER_CHUNK_BYTES / 64 + 4;
    for (let i = 1; i < count; i++) lines.push(randomBytes(32 + (i % 16)));
    const file = fileOf(...lines.map((text) => line(text)));
    const result = expectOk(decryptBeiweFile(file, testPrivateKeyPem));
    expect(result.lines).toBe(count);
    expect(result.plaintext.equals(Buffer.concat(lines.flatMap((l, i) => (i ? [Buffer.from('\n'), l] : [l]))))).toBe(
      true
    );
  });
});

describe('decryptDataLines', () => {
  it('decrypts with a known key, skipping whatever precedes `start`', () => {
    const file = Buffer.from(`not a key line\n${SPEC_HEADER_LINE}\n`);
    const result = decryptDataLines(file, file.indexOf('\n'), KEY);
    expect(result.plaintext.toString()).toBe(SPEC_HEADER);
  });
});
