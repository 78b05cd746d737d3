import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { providerFetch } from '../../providers/http.ts';

/**
 * Google Health's delivery signature (google-health-api.md §10.6): ECDSA P-256 with SHA-256 over
 * the raw body, in `X-HEALTHAPI-SIGNATURE` or `GOOGLE-HEALTH-API-SIGNATURE` (the documents use
 * both names). Known from client code only, and followed here: the value is base64 of Tink's
 * output (0x01, a 4-byte big-endian key id, the DER signature) and the public keys are a Tink JSON
 * keyset at a fixed URL, rotated about every 30 days, so an unknown key id fetches it again.
 */

export const SIGNATURE_HEADERS = ['x-healthapi-signature', 'google-health-api-signature'] as const;

const Keyset = z.object({
  key: z.array(
    z.object({
      keyId: z.number().int(),
      status: z.string().optional(),
      outputPrefixType: z.string().optional(),
      keyData: z.object({ typeUrl: z.string(), value: z.string() }),
    })
  ),
});

/** Fields of a protobuf message: varints as numbers, length-delimited ones as bytes. */
function protoFields(buf: Buffer): Map<number, number | Buffer> {
  const fields = new Map<number, number | Buffer>();
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = buf[at++];
      if (byte === undefined) throw new Error('truncated protobuf');
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (at < buf.length) {
    const tag = varint();
    const type = tag & 7;
    if (type === 0) fields.set(tag >>> 3, varint());
    else if (type === 2) {
      const length = varint();
      fields.set(tag >>> 3, buf.subarray(at, at + length));
      at += length;
    } else throw new Error(`unexpected protobuf wire type ${type}`);
  }
  return fields;
}

/** A coordinate of 32 bytes (Tink writes them as signed big integers: a leading zero may come first). */
const coordinate = (b: Buffer) =>
  Buffer.concat([Buffer.alloc(32), b])
    .subarray(-32)
    .toString('base64url');

/** NIST P-256 in Tink's EllipticCurveType. */
const NIST_P256 = 2;

function publicKeyOf(value: string): KeyObject | undefined {
  const key = protoFields(Buffer.from(value, 'base64'));
  const params = key.get(2);
  const [x, y] = [key.get(3), key.get(4)];
  if (!Buffer.isBuffer(params) || !Buffer.isBuffer(x) || !Buffer.isBuffer(y)) return undefined;
  if (protoFields(params).get(2) !== NIST_P256) return undefined;
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: coordinate(x), y: coordinate(y) }, format: 'jwk' });
}

export type SignatureCheck = 'valid' | 'invalid' | 'keys_unavailable';

/** Checks signatures against the keyset at `url`, kept in memory and fetched again (at most once a minute) for an unknown key. */
export function createGoogleSignatureCheck(url: string, clock: () => Date, fetchFn: typeof fetch = globalThis.fetch) {
  let keys = new Map<number, KeyObject>();
  let fetchedAt = -Infinity;
  const load = async () => {
    fetchedAt = clock().getTime();
    const res = await providerFetch('fitbit', fetchFn, url);
    if (!res.ok) throw new Error(`keyset answered HTTP ${res.status}`);
    const next = new Map<number, KeyObject>();
    for (const k of Keyset.parse(await res.json()).key) {
      if (k.status !== undefined && k.status !== 'ENABLED') continue;
      if (!k.keyData.typeUrl.endsWith('EcdsaPublicKey')) continue;
      const key = publicKeyOf(k.keyData.value);
      if (key) next.set(k.keyId >>> 0, key);
    }
    keys = next;
  };
  return async (body: string, header: string | undefined): Promise<SignatureCheck> => {
    if (header === undefined) return 'invalid';
    const raw = Buffer.from(header.trim(), 'base64');
    if (raw.length < 6 || raw[0] !== 1) return 'invalid';
    const keyId = raw.readUInt32BE(1);
    if (!keys.has(keyId) && clock().getTime() - fetchedAt >= 60_000) {
      try {
        await load();
      } catch {
        return 'keys_unavailable';
      }
    }
    const key = keys.get(keyId);
    if (!key) return 'invalid';
    return verify('sha256', Buffer.from(body), { key, dsaEncoding: 'der' }, raw.subarray(5)) ? 'valid' : 'invalid';
  };
}
