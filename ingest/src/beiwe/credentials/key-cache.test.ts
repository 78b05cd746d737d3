import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testVault } from '../../test/app-deps.ts';
import { participantPrivateKey } from './key-cache.ts';
import { privateKeyContext } from './store.ts';

const pem = () =>
  generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

describe('the parsed private keys', () => {
  it("are parsed once per participant, afresh when the participant's key changes, and per vault", () => {
    const vault = testVault();
    const seal = (id: number, key: string) => vault.seal(key, privateKeyContext(id));
    const [first, second] = [pem(), pem()];
    const sealed = seal(7, first);
    const key = participantPrivateKey(vault, 7, sealed);
    expect(key.export({ type: 'pkcs1', format: 'pem' })).toBe(first);
    expect(participantPrivateKey(vault, 7, sealed)).toBe(key);

    const replaced = participantPrivateKey(vault, 7, seal(7, second));
    expect(replaced).not.toBe(key);
    expect(replaced.export({ type: 'pkcs1', format: 'pem' })).toBe(second);

    // Another participant, and another process's vault, have their own entries.
    expect(participantPrivateKey(vault, 8, seal(8, first))).not.toBe(key);
    const other = testVault();
    expect(participantPrivateKey(other, 7, other.seal(first, privateKeyContext(7)))).not.toBe(key);
  });
});
