import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SPEC_AES_KEY, SPEC_KEY_LINE_END, SPEC_KEY_LINE_START } from '../../test/beiwe-test-vectors.ts';
import { encryptKeyLine } from '../../test/phone-emulator/encrypt.ts';
import { testPrivateKeyPem, testPublicKeyPem } from '../../test/phone-emulator/test-keys.ts';
import { extractAesKey, toPrivateKey } from './key-line.ts';

describe('extractAesKey', () => {
  it('recovers the §3.3 AES key from its key line with the fixture private key', () => {
    const line = encryptKeyLine(SPEC_AES_KEY, testPublicKeyPem);
    expect(line.startsWith(SPEC_KEY_LINE_START) && line.endsWith(SPEC_KEY_LINE_END)).toBe(true);
    expect(extractAesKey(Buffer.from(line), testPrivateKeyPem)).toEqual({ ok: true, key: SPEC_AES_KEY });
  });

  it('reports an empty key line as invalid rather than throwing', () => {
    expect(extractAesKey(Buffer.alloc(0), testPrivateKeyPem).ok).toBe(false);
  });
});

describe('toPrivateKey', () => {
  it('refuses keys that cannot be a Beiwe participant key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => toPrivateKey(ec.privateKey)).toThrow(TypeError);
    expect(() => toPrivateKey(testPublicKeyPem)).toThrow();
  });
});
