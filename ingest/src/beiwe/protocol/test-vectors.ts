import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encodeBase64UrlPadded } from './base64url.ts';

/** Shared by the protocol tests only. */

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
export const FIXTURE_PUBLIC_KEY = fixture('public_key.pem');
export const FIXTURE_PRIVATE_KEY = fixture('private_key.pem');

/** beiwe-protocol.md §3.3. */
export const SPEC_AES_KEY = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
export const SPEC_IV = Buffer.alloc(16, 0x07);
export const SPEC_HEADER = 'timestamp,accuracy,x,y,z';
export const SPEC_HEADER_LINE = 'BwcHBwcHBwcHBwcHBwcHBw==:_8NEbdEVIM-Vjjzf2SxZd3e4ZtCZ7mPPbOLlGJ-qf_g=';
export const SPEC_KEY_LINE_START = 'JI7K7S5bB174su0k';
export const SPEC_KEY_LINE_END = 'yOBl0w==';

/** AES-CBC of already block-aligned bytes with no padding added, to plant any "padding" byte. */
export function encryptRawBlocks(aesKey: Buffer, iv: Buffer, blocks: Buffer): string {
  const cipher = createCipheriv('aes-128-cbc', aesKey, iv).setAutoPadding(false);
  return encodeBase64UrlPadded(Buffer.concat([cipher.update(blocks), cipher.final()]));
}

/** Deterministic PRNG (mulberry32) so a failing random case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytesFrom(random: () => number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}
