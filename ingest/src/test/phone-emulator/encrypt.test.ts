import { constants, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  b64url,
  encryptBinaryFile,
  encryptKeyLine,
  encryptLine,
  encryptTextFile,
  newAesKey,
  sha256B64url,
} from './encrypt.ts';
import {
  decryptBinaryForTest,
  decryptForTest,
  testPrivateKeyPem,
  testPublicKeyBase64,
  testPublicKeyPem,
} from './test-keys.ts';

// specs/beiwe-protocol.md §3.3 inputs
const aesKey = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const iv = Buffer.alloc(16, 0x07);

describe('b64url', () => {
  it('uses - and _ and keeps the = padding', () => {
    expect(b64url(Buffer.from([0xfb, 0xff]))).toBe('-_8=');
    expect(b64url(Buffer.from('AB'))).toBe('QUI=');
    expect(b64url(Buffer.alloc(16, 7))).toBe('BwcHBwcHBwcHBwcHBwcHBw==');
  });

  it('encodes a view into a larger buffer by its own bytes only', () => {
    const backing = Buffer.from([0xff, 0xfb, 0xff, 0xff]);
    expect(b64url(backing.subarray(1, 3))).toBe('-_8=');
  });
});

describe('known-answer vectors (§3.3)', () => {
  it('encrypts the accelerometer header line', () => {
    expect(encryptLine('timestamp,accuracy,x,y,z', aesKey, iv)).toBe(
      'BwcHBwcHBwcHBwcHBwcHBw==:_8NEbdEVIM-Vjjzf2SxZd3e4ZtCZ7mPPbOLlGJ-qf_g='
    );
  });

  it('encrypts the AES key with textbook RSA under the fixture key', () => {
    expect(b64url(aesKey)).toBe('AQIDBAUGBwgJCgsMDQ4PEA==');
    const line = encryptKeyLine(aesKey, testPublicKeyPem);
    expect(line).toHaveLength(344);
    expect(line.startsWith('JI7K7S5bB174su0k')).toBe(true);
    expect(line.endsWith('yOBl0w==')).toBe(true);
  });

  it('is textbook RSA of the 24-character base64url key, zero-padded on the left to 256 bytes', () => {
    const block = privateDecrypt(
      { key: testPrivateKeyPem, padding: constants.RSA_NO_PADDING },
      Buffer.from(encryptKeyLine(aesKey, testPublicKeyPem), 'base64url')
    );
    expect(block).toHaveLength(256);
    expect(block.subarray(0, 232).every((b) => b === 0)).toBe(true);
    expect(block.subarray(232).toString('latin1')).toBe('AQIDBAUGBwgJCgsMDQ4PEA==');
  });

  it('accepts the bare base64 DER key the registration response carries', () => {
    expect(testPublicKeyBase64.startsWith('MIIBI')).toBe(true);
    expect(testPublicKeyBase64).toHaveLength(392);
    expect(encryptKeyLine(aesKey, testPublicKeyBase64)).toBe(encryptKeyLine(aesKey, testPublicKeyPem));
  });

  it('hashes passwords as padded base64url SHA-256 (§1.4 vector)', () => {
    expect(sha256B64url('abcABC123')).toBe('XiT6jwJraajib8fOj5GM9juCAs7t51ROc1bqew4zfOA=');
  });
});

describe('encryptTextFile', () => {
  const lines = ['timestamp,accuracy,x,y,z', '1700000000000,unknown,0.1,0.2,9.8', 'ünïcödé,row'];

  it('lays out key line, header and rows, each ending in a newline', () => {
    const file = encryptTextFile(lines, testPublicKeyPem, { aesKey, iv: () => iv }).toString('utf8');
    const parts = file.split('\n');
    expect(parts).toHaveLength(5);
    expect(parts[4]).toBe('');
    expect(parts[0]).toBe(encryptKeyLine(aesKey, testPublicKeyPem));
    expect(parts[1]).toBe('BwcHBwcHBwcHBwcHBwcHBw==:_8NEbdEVIM-Vjjzf2SxZd3e4ZtCZ7mPPbOLlGJ-qf_g=');
    for (const line of parts.slice(1, 4)) {
      const [ivText, ct] = line.split(':') as [string, string];
      expect(ivText).toMatch(/^[A-Za-z0-9_-]{22}==$/);
      expect(ct).toMatch(/^[A-Za-z0-9_-]+={0,2}$/);
      expect(ct.length % 4).toBe(0);
      expect(Buffer.from(ct, 'base64url').length % 16).toBe(0);
    }
  });

  it('passes the line index to the IV source and decrypts back under the private key', () => {
    const seen: number[] = [];
    const file = encryptTextFile(lines, testPublicKeyPem, {
      iv: (i) => {
        seen.push(i);
        return Buffer.alloc(16, i + 1);
      },
    });
    expect(seen).toEqual([0, 1, 2]);
    const decrypted = decryptForTest(file);
    expect(decrypted.lines).toEqual(lines);
    expect(decrypted.aesKey).toHaveLength(16);
  });

  it('draws a fresh random IV for every line when none is given', () => {
    const file = encryptTextFile(['x', 'x', 'x'], testPublicKeyPem, { aesKey }).toString('utf8');
    const ivs = file
      .split('\n')
      .slice(1, 4)
      .map((line) => line.split(':')[0]);
    expect(new Set(ivs).size).toBe(3);
    for (const ivText of ivs) expect(Buffer.from(ivText ?? '', 'base64url')).toHaveLength(16);
  });

  it('keeps several rows in one encrypted line (Android wifi)', () => {
    const scan = 'hashA,2412,-40\nhashB,5180,-71\n';
    const file = encryptTextFile(['hashed MAC, frequency, RSSI', scan], testPublicKeyBase64);
    expect(file.toString('utf8').split('\n')).toHaveLength(4);
    expect(decryptForTest(file).lines).toEqual(['hashed MAC, frequency, RSSI', scan]);
  });
});

describe('newAesKey', () => {
  const zeroFirst = Buffer.from('00ffffffffffffffffffffffffffffff', 'hex');
  const fine = Buffer.from('01ffffffffffffffffffffffffffffff', 'hex');
  const sequence = () => {
    const queue = [zeroFirst, fine];
    return () => queue.shift() ?? fine;
  };

  it('rejects keys starting with 0x00 on Android only', () => {
    expect(newAesKey('android', sequence())).toEqual(fine);
    expect(newAesKey('ios', sequence())).toEqual(zeroFirst);
  });
});

describe('encryptBinaryFile (§3.5)', () => {
  const audio = Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00', 'latin1');

  it('Android: key line, one iv:ciphertext line, trailing newline', () => {
    const file = encryptBinaryFile(audio, testPublicKeyPem, 'android', { aesKey, iv: () => iv });
    const text = file.toString('ascii');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(3);
    expect(text.split('\n')[1]?.startsWith('BwcHBwcHBwcHBwcHBwcHBw==:')).toBe(true);
    expect(decryptBinaryForTest(file)).toEqual(audio);
  });

  it('iOS: key line, then iv: and the ciphertext with no trailing newline', () => {
    const file = encryptBinaryFile(audio, testPublicKeyPem, 'ios', { aesKey, iv: () => iv });
    const text = file.toString('ascii');
    expect(text.endsWith('\n')).toBe(false);
    expect(text.split('\n')).toHaveLength(2);
    expect(decryptBinaryForTest(file)).toEqual(audio);
  });
});
