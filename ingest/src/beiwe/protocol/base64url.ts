/**
 * Base64url as the Beiwe apps write it: URL-safe alphabet WITH `=` padding (spec §3.2).
 *
 * Node's own `base64url` decoder skips characters it does not know and accepts missing padding,
 * which would turn a torn or corrupt line into plausible bytes. The Beiwe backend treats a length
 * that is not a multiple of 4 as an error (§3.4), so this decoder is strict: length % 4 === 0,
 * at most two trailing `=`, and nothing outside `A–Z a–z 0–9 - _` before them. (Python's
 * decoder would skip a stray character inside an otherwise well-formed line; the apps never
 * write one, and a line that has one is damaged, so Vigil drops it as a PADDING_ERROR.)
 */

const INVALID = -1;
const EQUALS = 0x3d;

const DECODE_TABLE = (() => {
  const table = new Int16Array(256).fill(INVALID);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/**
 * Strictly decodes `src[start, end)` into `out` at `outPos`.
 * Returns the number of bytes written, or -1 if the run is not valid padded base64url (bytes may
 * have been written to `out` before the error was found). `out` must have room for
 * `(end - start) / 4 * 3` bytes from `outPos`.
 */
export function decodeBase64UrlInto(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outPos: number
): number {
  const length = end - start;
  if ((length & 3) !== 0) return INVALID;
  if (length === 0) return 0;
  let pad = 0;
  if (src[end - 1] === EQUALS) pad = src[end - 2] === EQUALS ? 2 : 1;
  const table = DECODE_TABLE;
  const fullEnd = pad === 0 ? end : end - 4;
  let o = outPos;
  for (let i = start; i < fullEnd; i += 4) {
    const a = table[src[i]!]!;
    const b = table[src[i + 1]!]!;
    const c = table[src[i + 2]!]!;
    const d = table[src[i + 3]!]!;
    if ((a | b | c | d) < 0) return INVALID;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o] = v >>> 16;
    out[o + 1] = (v >>> 8) & 0xff;
    out[o + 2] = v & 0xff;
    o += 3;
  }
  if (pad !== 0) {
    const a = table[src[end - 4]!]!;
    const b = table[src[end - 3]!]!;
    const c = pad === 1 ? table[src[end - 2]!]! : 0;
    if ((a | b | c) < 0) return INVALID;
    const v = (a << 18) | (b << 12) | (c << 6);
    out[o] = v >>> 16;
    if (pad === 1) out[o + 1] = (v >>> 8) & 0xff;
    o += 3 - pad;
  }
  return o - outPos;
}

/** Strict decode of a whole byte run; `undefined` when it is not valid padded base64url. */
export function decodeBase64UrlStrict(src: Uint8Array): Buffer | undefined {
  const out = Buffer.allocUnsafe((src.length >>> 2) * 3);
  const n = decodeBase64UrlInto(src, 0, src.length, out, 0);
  return n < 0 ? undefined : out.subarray(0, n);
}
