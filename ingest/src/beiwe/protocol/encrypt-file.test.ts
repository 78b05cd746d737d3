import { constants, createDecipheriv, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptBinaryFile, encryptDataLine, encryptKeyLine, encryptTextFile } from './encrypt-file.ts';
import {
  FIXTURE_PRIVATE_KEY,
  FIXTURE_PUBLIC_KEY,
  SPEC_AES_KEY,
  SPEC_HEADER,
  SPEC_HEADER_LINE,
  SPEC_IV,
  SPEC_KEY_LINE_END,
  SPEC_KEY_LINE_START,
} from './test-vectors.ts';

describe('encryptKeyLine', () => {
  it('reproduces the §3.3 key line for the fixture public key', () => {
    const line = encryptKeyLine(FIXTURE_PUBLIC_KEY, SPEC_AES_KEY);
    expect(line).toHaveLength(344);
    expect(line.startsWith(SPEC_KEY_LINE_START)).toBe(true);
    expect(line.endsWith(SPEC_KEY_LINE_END)).toBe(true);
  });

  it('is textbook RSA of the 24-char base64url key, zero-padded on the left', () => {
    const line = encryptKeyLine(FIXTURE_PUBLIC_KEY, SPEC_AES_KEY);
    const m = privateDecrypt(
      { key: FIXTURE_PRIVATE_KEY, padding: constants.RSA_NO_PADDING },
      Buffer.from(line, 'base64url')
    );
    expect(m.subarray(0, 232).every((b) => b === 0)).toBe(true);
    expect(m.subarray(232).toString('latin1')).toBe('AQIDBAUGBwgJCgsMDQ4PEA==');
  });
});

describe('encryptDataLine', () => {
  it('reproduces the §3.3 header line', () => {
    expect(encryptDataLine(SPEC_AES_KEY, SPEC_HEADER, SPEC_IV)).toBe(SPEC_HEADER_LINE);
  });

  it('uses a fresh 16-byte IV per line by default', () => {
    const [a, b] = [encryptDataLine(SPEC_AES_KEY, 'x'), encryptDataLine(SPEC_AES_KEY, 'x')];
    expect(a.split(':')[0]).toHaveLength(24);
    expect(a).not.toBe(b);
  });
});

describe('file layouts', () => {
  it('writes the key line then one line per input, each ending in a newline', () => {
    const file = encryptTextFile({
      publicKey: FIXTURE_PUBLIC_KEY,
      lines: [SPEC_HEADER, 'a'],
      aesKey: SPEC_AES_KEY,
      ivs: [SPEC_IV],
    });
    const lines = file.toString('latin1').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(encryptKeyLine(FIXTURE_PUBLIC_KEY, SPEC_AES_KEY));
    expect(lines[1]).toBe(SPEC_HEADER_LINE);
    expect(lines[3]).toBe('');
  });

  it('puts audio in a single line, with a trailing newline only on Android', () => {
    const data = Buffer.from([0, 1, 2, 255, 10, 58]);
    const android = encryptBinaryFile({ publicKey: FIXTURE_PUBLIC_KEY, data, layout: 'android', aesKey: SPEC_AES_KEY });
    const ios = encryptBinaryFile({ publicKey: FIXTURE_PUBLIC_KEY, data, layout: 'ios', aesKey: SPEC_AES_KEY });
    expect(android.toString('latin1').split('\n')).toHaveLength(3);
    expect(ios.toString('latin1').split('\n')).toHaveLength(2);
    const [iv, ct] = ios.toString('latin1').split('\n')[1]!.split(':') as [string, string];
    const decipher = createDecipheriv('aes-128-cbc', SPEC_AES_KEY, Buffer.from(iv, 'base64url'));
    expect(Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()])).toEqual(data);
  });
});
