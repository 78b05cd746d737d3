import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  beiweDeviceHash,
  generateBeiweId,
  generateTemporaryPassword,
  hashPassword,
  verifyPassword,
} from './passwords.ts';

describe('beiweDeviceHash', () => {
  it('matches the backend test fixture vector (§1.4)', () => {
    expect(beiweDeviceHash('abcABC123')).toBe('XiT6jwJraajib8fOj5GM9juCAs7t51ROc1bqew4zfOA=');
  });

  it('is padded base64url of SHA-256 over UTF-8', () => {
    const text = 'pässwörd-ü-😀';
    const digest = createHash('sha256').update(Buffer.from(text, 'utf8')).digest();
    const hash = beiweDeviceHash(text);
    expect(hash).toHaveLength(44);
    expect(hash.endsWith('=')).toBe(true);
    expect(hash).not.toMatch(/[+/]/);
    expect(Buffer.from(hash, 'base64url')).toEqual(digest);
  });
});

describe('generateBeiweId / generateTemporaryPassword', () => {
  it('makes 8 characters from a–z and 1–9, no 0', () => {
    for (let i = 0; i < 200; i++) {
      expect(generateBeiweId()).toMatch(/^[a-z1-9]{8}$/);
      expect(generateTemporaryPassword()).toMatch(/^[a-z1-9]{8}$/);
    }
  });

  it('uses the whole alphabet, roughly evenly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) for (const c of generateBeiweId()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(35);
    // 32,000 draws over 35 symbols: ~914 each; ±25% is far outside chance for a fair draw.
    for (const [c, n] of counts) expect(n, c).toBeGreaterThan(685);
    for (const [c, n] of counts) expect(n, c).toBeLessThan(1143);
  });
});

describe('hashPassword / verifyPassword', () => {
  const deviceHash = beiweDeviceHash('abcABC123');

  it('verifies the right device hash and rejects others', async () => {
    const stored = await hashPassword(deviceHash);
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword(deviceHash, stored)).toBe(true);
    expect(await verifyPassword(beiweDeviceHash('abcABC124'), stored)).toBe(false);
    expect(await verifyPassword('abcABC123', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword(deviceHash), hashPassword(deviceHash)]);
    expect(a).not.toBe(b);
  });

  it('reads its parameters from the stored value', async () => {
    const [, , , , salt, key = ''] = (await hashPassword(deviceHash)).split('$');
    expect(await verifyPassword(deviceHash, `scrypt$16384$8$1$${salt}$${key}`)).toBe(true);
    expect(await verifyPassword(deviceHash, `scrypt$1024$8$1$${salt}$${key}`)).toBe(false);
  });

  it('returns false for malformed or unreasonable stored values', async () => {
    const [, , , , salt, key = ''] = (await hashPassword(deviceHash)).split('$');
    for (const stored of [
      '',
      'sha1$1000$abc$def',
      `scrypt$16384$8$1$${salt}`,
      `scrypt$16384$8$1$${salt}$${key}$extra`,
      `scrypt$1000$8$1$${salt}$${key}`,
      `scrypt$1073741824$8$1$${salt}$${key}`,
      `scrypt$16384$0$1$${salt}$${key}`,
      `scrypt$16384$8$0$${salt}$${key}`,
      `scrypt$16384$8$1.5$${salt}$${key}`,
      `scrypt$16384$8$1$${salt}$${key.slice(0, -2)}`,
      `bcrypt$16384$8$1$${salt}$${key}`,
    ]) {
      expect(await verifyPassword(deviceHash, stored), stored).toBe(false);
    }
  });
});
