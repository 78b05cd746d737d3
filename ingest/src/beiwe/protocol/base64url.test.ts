import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { b64url } from '../../test/phone-emulator/encrypt.ts';
import { decodeBase64UrlInto, decodeBase64UrlStrict } from './base64url.ts';

const decode = (text: string) => decodeBase64UrlStrict(Buffer.from(text, 'latin1'));

describe('decodeBase64UrlStrict', () => {
  it('round-trips every length and byte value, matching Node', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = randomBytes(length);
      const text = b64url(bytes);
      expect(decode(text)).toEqual(bytes);
      expect(decode(text)).toEqual(Buffer.from(text, 'base64url'));
    }
  });

  it('accepts empty input', () => {
    expect(decode('')).toEqual(Buffer.alloc(0));
  });

  it('requires the padding (length a multiple of 4)', () => {
    expect(decode('QUI')).toBeUndefined();
    expect(decode('QQ')).toBeUndefined();
    expect(decode('QQ=')).toBeUndefined();
    expect(decode('QUJDQ')).toBeUndefined();
  });

  it('rejects characters outside the URL-safe alphabet, including standard + and /', () => {
    for (const text of ['QU+D', 'QU/D', 'QU D', 'QU\nD', 'QU\0D', 'QUJD\r', 'QU.D', 'QUé=']) {
      expect(decode(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('rejects = anywhere but the last two positions', () => {
    for (const text of ['Q===', '====', 'QQ==QUJD', 'Q=JD', '=QUJ', 'QUJD====']) {
      expect(decode(text), text).toBeUndefined();
    }
  });

  it('writes into a caller buffer at an offset and reports the byte count', () => {
    const out = Buffer.alloc(8, 0xee);
    const src = Buffer.from('xx:QUJDRA==\n');
    expect(decodeBase64UrlInto(src, 3, 11, out, 2)).toBe(4);
    expect(out).toEqual(Buffer.from([0xee, 0xee, 0x41, 0x42, 0x43, 0x44, 0xee, 0xee]));
    expect(decodeBase64UrlInto(src, 0, 4, out, 0)).toBe(-1);
  });
});
