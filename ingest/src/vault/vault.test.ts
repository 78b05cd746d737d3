import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVault, VaultError } from './vault.ts';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('vault', () => {
  it('round-trips text and binary under a context', () => {
    const vault = createVault([key('k1')]);
    const secret = randomBytes(1000);
    expect(vault.open(vault.seal(secret, 'participant:1:rsa'), 'participant:1:rsa')).toEqual(secret);
    expect(vault.open(vault.seal('refresh-token', 'c'), 'c').toString()).toBe('refresh-token');
  });

  it('never produces the same ciphertext twice and never contains the plaintext', () => {
    const vault = createVault([key('k1')]);
    const a = vault.seal('same secret value', 'ctx');
    const b = vault.seal('same secret value', 'ctx');
    expect(a).not.toBe(b);
    expect(a).not.toContain(Buffer.from('same secret value').toString('base64url'));
  });

  it('detects a single flipped bit anywhere in the payload or the wrapped key', () => {
    const vault = createVault([key('k1')]);
    const sealed = vault.seal('a secret worth protecting', 'ctx');
    const [v, kid, wrapped, payload] = sealed.split('.') as [string, string, string, string];
    for (const [which, part] of [
      ['payload', payload],
      ['wrapped', wrapped],
    ] as const) {
      const bytes = Buffer.from(part, 'base64url');
      for (const index of [0, 13, bytes.length - 1]) {
        const flipped = Buffer.from(bytes);
        flipped[index] = (flipped[index] ?? 0) ^ 0x01;
        const tampered =
          which === 'payload'
            ? [v, kid, wrapped, flipped.toString('base64url')].join('.')
            : [v, kid, flipped.toString('base64url'), payload].join('.');
        expect(() => vault.open(tampered, 'ctx')).toThrow(VaultError);
      }
    }
  });

  it('refuses a ciphertext moved to another context', () => {
    const vault = createVault([key('k1')]);
    const sealed = vault.seal('token', 'connection:1');
    expect(() => vault.open(sealed, 'connection:2')).toThrow(/authentication/);
  });

  it('keeps old ciphertexts readable after a new master key is added, and rewraps them', () => {
    const oldKey = key('k1');
    const newKey = key('k2');
    const before = createVault([oldKey]).seal('rsa private key', 'ctx');
    const rotated = createVault([newKey, oldKey]);
    expect(rotated.open(before, 'ctx').toString()).toBe('rsa private key');
    expect(rotated.needsRewrap(before)).toBe(true);

    const rewrapped = rotated.rewrap(before);
    expect(rewrapped.split('.')[1]).toBe('k2');
    expect(rotated.needsRewrap(rewrapped)).toBe(false);
    // Once everything is rewrapped, the old key can be dropped.
    expect(createVault([newKey]).open(rewrapped, 'ctx').toString()).toBe('rsa private key');
    expect(() => createVault([newKey]).open(before, 'ctx')).toThrow(/no master key with id k1/);
  });

  it('names the missing key when a ciphertext was sealed under a key no longer configured', () => {
    const sealed = createVault([key('gone')]).seal('x', 'ctx');
    expect(() => createVault([key('k2')]).open(sealed, 'ctx')).toThrow(/no master key with id gone/);
  });

  it('rejects malformed input', () => {
    const vault = createVault([key('k1')]);
    expect(() => vault.open('not-a-ciphertext', 'ctx')).toThrow(VaultError);
    expect(() => vault.open('v1.k1.AA.AA', 'ctx')).toThrow(/truncated/);
    expect(() => createVault([])).toThrow(VaultError);
    expect(() => createVault([{ id: 'short', key: randomBytes(16) }])).toThrow(/32 bytes/);
  });
});
