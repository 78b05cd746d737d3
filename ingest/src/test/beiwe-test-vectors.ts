import { createCipheriv } from 'node:crypto';
import { b64url } from './phone-emulator/encrypt.ts';

/** Known answers of specs/beiwe-protocol.md §3.3, under the key pair in fixtures/beiwe/. */
export const SPEC_AES_KEY = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
export const SPEC_HEADER = 'timestamp,accuracy,x,y,z';
export const SPEC_HEADER_LINE = 'BwcHBwcHBwcHBwcHBwcHBw==:_8NEbdEVIM-Vjjzf2SxZd3e4ZtCZ7mPPbOLlGJ-qf_g=';
export const SPEC_KEY_LINE_START = 'JI7K7S5bB174su0k';
export const SPEC_KEY_LINE_END = 'yOBl0w==';

/** AES-CBC of already block-aligned bytes with no padding added, to plant any "padding" byte. */
export function encryptRawBlocks(aesKey: Buffer, iv: Buffer, blocks: Buffer): string {
  const cipher = createCipheriv('aes-128-cbc', aesKey, iv).setAutoPadding(false);
  return b64url(Buffer.concat([cipher.update(blocks), cipher.final()]));
}
