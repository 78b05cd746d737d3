import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVault, VaultError } from '../vault/vault.ts';
import { generateDataKey, unwrapDataKey, wrapDataKey } from './data-keys.ts';

const vault = createVault([{ id: 'k1', key: randomBytes(32) }]);

describe('archive data keys', () => {
  it('generates distinct 32-byte keys', () => {
    const a = generateDataKey();
    expect(a.length).toBe(32);
    expect(a.equals(generateDataKey())).toBe(false);
  });

  it('wraps a key for its study only', () => {
    const key = generateDataKey();
    const sealed = wrapDataKey(vault, 7, key);
    expect(sealed).not.toContain(key.toString('base64url'));
    expect(unwrapDataKey(vault, 7, sealed)).toEqual(key);
    expect(vault.open(sealed, 'study:7:archive-key')).toEqual(key);
    expect(() => unwrapDataKey(vault, 8, sealed)).toThrow(VaultError);
  });

  it('refuses keys of the wrong length in both directions', () => {
    expect(() => wrapDataKey(vault, 7, randomBytes(16))).toThrow(RangeError);
    expect(() => unwrapDataKey(vault, 7, vault.seal(randomBytes(16), 'study:7:archive-key'))).toThrow(/32 bytes/);
  });
});
