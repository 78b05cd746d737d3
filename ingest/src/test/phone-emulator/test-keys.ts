import { constants, createDecipheriv, privateDecrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/beiwe/${name}`, import.meta.url), 'utf8');

/** The published Beiwe test key pair (see test/fixtures/beiwe/README.md); for tests and benches only. */
export const testPublicKeyPem = fixture('public_key.pem');
export const testPrivateKeyPem = fixture('private_key.pem');

/** The key as the registration response carries it: the PEM body without header, footer or newlines. */
export const testPublicKeyBase64 = testPublicKeyPem
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('-----'))
  .join('');

/**
 * A deliberately small decryptor for tests, written from §3.2 and nothing else: strict about
 * padding, with PKCS#7 checked, so a sloppy encryptor fails here rather than passing silently.
 */
export function decryptForTest(file: Buffer | string): { lines: string[]; aesKey: Buffer } {
  const text = typeof file === 'string' ? file : file.toString('utf8');
  const [keyLine, ...rest] = text.split('\n').filter((line) => line !== '');
  if (keyLine === undefined) throw new Error('empty file');
  const block = privateDecrypt(
    { key: testPrivateKeyPem, padding: constants.RSA_NO_PADDING },
    fromB64urlStrict(keyLine)
  );
  const aesKey = fromB64urlStrict(block.subarray(block.findIndex((b) => b !== 0)).toString('ascii'));
  if (aesKey.length !== 16) throw new Error(`AES key is ${aesKey.length} bytes`);
  const lines = rest.map((line) => {
    const parts = line.split(':');
    if (parts.length !== 2) throw new Error(`line has ${parts.length} parts`);
    const iv = fromB64urlStrict(parts[0] as string);
    const decipher = createDecipheriv('aes-128-cbc', aesKey, iv);
    return Buffer.concat([decipher.update(fromB64urlStrict(parts[1] as string)), decipher.final()]).toString('utf8');
  });
  return { lines, aesKey };
}

/** Decrypts a binary (audio) upload back to its raw bytes. */
export function decryptBinaryForTest(file: Buffer): Buffer {
  const text = file.toString('ascii');
  const [keyLine, data] = text.split('\n');
  const { aesKey } = decryptForTest(`${keyLine}\n`);
  const [iv, ct] = (data ?? '').split(':');
  const decipher = createDecipheriv('aes-128-cbc', aesKey, fromB64urlStrict(iv ?? ''));
  return Buffer.concat([decipher.update(fromB64urlStrict(ct ?? '')), decipher.final()]);
}

function fromB64urlStrict(text: string): Buffer {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error(`not padded base64url: ${text}`);
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
