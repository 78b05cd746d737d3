import { createHash, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIdentifierHasher, newInstallSecrets } from './identifiers.ts';
import { createPrng } from './prng.ts';

const b64urlPadded = (bytes: Buffer) => bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');

describe('identifier hashing (§4.3)', () => {
  it('draws per-install iterations in 901…1100 and a 64-byte salt', () => {
    for (let i = 0; i < 200; i++) {
      const { salt, iterations } = newInstallSecrets(createPrng(i));
      expect(salt).toHaveLength(64);
      expect(iterations).toBeGreaterThanOrEqual(901);
      expect(iterations).toBeLessThanOrEqual(1100);
    }
  });

  it('PBKDF2-SHA256 to 88 characters, normalising phone numbers to their last 10 digits', () => {
    const salt = Buffer.from('a'.repeat(64)); // ASCII survives the lossy String round trip unchanged
    const hasher = createIdentifierHasher({ salt, iterations: 1000 });
    const expected = b64urlPadded(pbkdf2Sync('6175551234', salt, 1000, 64, 'sha256'));
    expect(hasher.hashPhoneNumber('+1 (617) 555-1234')).toBe(expected);
    expect(hasher.hashPhoneNumber('617-555-1234')).toBe(expected);
    expect(expected).toHaveLength(88);
    expect(expected.endsWith('==')).toBe(true);
  });

  it('uses the raw salt only for the first hash of an install', () => {
    const salt = Buffer.alloc(64, 0xff); // invalid UTF-8: each byte decodes to U+FFFD
    const reencoded = Buffer.from('\ufffd'.repeat(64), 'utf8');
    const hasher = createIdentifierHasher({ salt, iterations: 950 });
    const mac = 'AA:BB:CC:DD:EE:FF';
    expect(hasher.hashMac(mac)).toBe(b64urlPadded(pbkdf2Sync(mac, salt, 950, 64, 'sha256')));
    expect(hasher.hashMac(mac)).toBe(b64urlPadded(pbkdf2Sync(mac, reencoded, 950, 64, 'sha256')));
  });

  it('falls back to SHA-256 (44 chars) when anonymised hashing is off, with null_data for ""', () => {
    const hasher = createIdentifierHasher({ salt: Buffer.alloc(64, 1), iterations: 1000 }, false);
    const expected = b64urlPadded(createHash('sha256').update('6175551234').digest());
    expect(hasher.hashPhoneNumber('617 555 1234')).toBe(expected);
    expect(expected).toHaveLength(44);
    expect(hasher.hashPhoneNumber('')).toBe('null_data');
    hasher.setAnonymized(true);
    expect(hasher.hashPhoneNumber('')).toHaveLength(88);
  });
});
