import { constants, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptTextFile } from '../../test/phone-emulator/encrypt.ts';
import { testPrivateKeyPem, testPublicKeyPem } from '../../test/phone-emulator/test-keys.ts';
import { decryptBeiweFile } from './decrypt-file.ts';
import { generateParticipantKeyPair, publicKeyForAppFromPem } from './keys.ts';

/** What the spec says the app receives: the SPKI PEM minus its armour lines, joined. */
const pemBody = (pem: string) =>
  pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');

describe('publicKeyForAppFromPem', () => {
  it('gives the fixture SPKI PEM body, from the public or the private key', () => {
    const expected = pemBody(testPublicKeyPem);
    expect(expected).toHaveLength(392);
    expect(publicKeyForAppFromPem(testPublicKeyPem)).toBe(expected);
    expect(publicKeyForAppFromPem(testPrivateKeyPem)).toBe(expected);
  });
});

// RSA key generation time varies a lot from run to run.
describe('generateParticipantKeyPair', { timeout: 30_000 }, () => {
  it('makes an RSA-2048, e=65537 pair in the format Android accepts (§2.1)', async () => {
    const { publicKeyForApp, privateKeyPem } = await generateParticipantKeyPair();
    expect(publicKeyForApp).toMatch(/^MIIBI[A-Za-z0-9+/]+=*$/);
    expect(publicKeyForApp).toHaveLength(392);
    const publicKey = createPublicKey({ key: Buffer.from(publicKeyForApp, 'base64'), format: 'der', type: 'spki' });
    expect(publicKey.asymmetricKeyDetails).toEqual({ modulusLength: 2048, publicExponent: 65537n });
    expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicKeyForAppFromPem(privateKeyPem)).toBe(publicKeyForApp);

    const message = randomBytes(256);
    message[0] = 0;
    const privateKey = createPrivateKey(privateKeyPem);
    const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, message);
    expect(privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext)).toEqual(message);
  });

  it('yields keys that decrypt an app upload end to end', async () => {
    const { publicKeyForApp, privateKeyPem } = await generateParticipantKeyPair();
    const publicKey = createPublicKey({ key: Buffer.from(publicKeyForApp, 'base64'), format: 'der', type: 'spki' });
    const file = encryptTextFile(['timestamp,event', '1700000000000,Unlocked'], publicKey);
    const result = decryptBeiweFile(file, privateKeyPem);
    expect(result.kind === 'ok' && result.plaintext.toString()).toBe('timestamp,event\n1700000000000,Unlocked');
  });

  it('never returns the same key twice', async () => {
    const [a, b] = await Promise.all([generateParticipantKeyPair(), generateParticipantKeyPair()]);
    expect(a.publicKeyForApp).not.toBe(b.publicKeyForApp);
  });
});
