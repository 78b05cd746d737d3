import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testVault } from '../../test/app-deps.ts';
import { encryptKeyLine, newAesKey } from '../../test/phone-emulator/encrypt.ts';
import { MAX_KEY_LINES, openKeyLine, participantPrivateKey } from './key-cache.ts';
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

describe('key lines opened at receive', () => {
  it('give their AES key once more without RSA, only for the same sealed key, and not beyond the bound', () => {
    const vault = testVault();
    const [first, second] = [pem(), pem()];
    const sealed = vault.seal(first, privateKeyContext(9));
    const aes = newAesKey('android');
    const line = Buffer.from(encryptKeyLine(aes, createPublicKey(first)));
    const opened = openKeyLine(vault, 9, sealed, line, true);
    expect(opened).toEqual({ ok: true, key: aes });

    // The same result object: taken from memory, not decrypted again; then gone.
    expect(openKeyLine(vault, 9, sealed, line, false)).toBe(opened);
    const again = openKeyLine(vault, 9, sealed, line, false);
    expect(again).not.toBe(opened);
    expect(again).toEqual(opened);

    // A participant given another key since: opened with that key (here, to no valid AES key).
    openKeyLine(vault, 9, sealed, line, true);
    expect(openKeyLine(vault, 9, vault.seal(second, privateKeyContext(9)), line, false).ok).toBe(false);

    // Another participant's identical line is not theirs: it leaves this one's entry in place.
    const kept = openKeyLine(vault, 9, sealed, line, true);
    expect(openKeyLine(vault, 10, vault.seal(first, privateKeyContext(10)), line, false)).not.toBe(kept);
    expect(openKeyLine(vault, 9, sealed, line, false)).toBe(kept);

    // Beyond the bound, the oldest go.
    const oldest = openKeyLine(vault, 9, sealed, line, true);
    const others = Array.from({ length: MAX_KEY_LINES }, () =>
      Buffer.from(encryptKeyLine(newAesKey('android'), createPublicKey(first)))
    );
    const results = others.map((other) => openKeyLine(vault, 9, sealed, other, true));
    expect(openKeyLine(vault, 9, sealed, line, false)).not.toBe(oldest);
    expect(openKeyLine(vault, 9, sealed, others.at(-1)!, false)).toBe(results.at(-1));
  });
});
