/**
 * Request bodies as the Beiwe apps send them (spec §1.2).
 *
 * Android hand-builds `key=value&…` with no percent-escaping and the raw encrypted file as the
 * last value; iOS sends proper urlencoding, and uploads as multipart with a `file` part. Parsing
 * follows Django: split on `&`, split each pair on the first `=`, `+` is a space, percent escapes
 * are decoded leniently, and a repeated key keeps its last value.
 */
export type MobileForm = {
  readonly fields: ReadonlyMap<string, string>;
  /** The uploaded file: the multipart `file` part, else the form field `file`. */
  readonly file: Buffer | undefined;
  readonly fileName: string | undefined;
};

export class MalformedBodyError extends Error {
  override name = 'MalformedBodyError';
}

const AMP = 0x26;
const EQ = 0x3d;
const PLUS = 0x2b;
const PCT = 0x25;

export function parseUrlencoded(body: Buffer): MobileForm {
  const fields = new Map<string, string>();
  let file: Buffer | undefined;
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(AMP, start);
    if (end === -1) end = body.length;
    const pair = end > start ? decodePair(body.subarray(start, end)) : undefined;
    if (pair) {
      const [key, value] = pair;
      if (key === 'file') file = value;
      else fields.set(key, value.toString('utf8'));
    }
    start = end + 1;
  }
  return { fields, file, fileName: undefined };
}

/** One `key=value` of a form body (the bytes between two `&`); undefined for a pair without `=`. */
export function decodePair(pair: Buffer): [key: string, value: Buffer] | undefined {
  const eq = pair.indexOf(EQ);
  // Django drops a pair without `=` (no value), as keep_blank_values only keeps `key=`.
  if (eq === -1) return undefined;
  return [unquotePlus(pair.subarray(0, eq)).toString('utf8'), unquotePlus(pair.subarray(eq + 1))];
}

export async function parseMultipart(body: Buffer, contentType: string): Promise<MobileForm> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new MalformedBodyError('the multipart body is malformed or cut short');
  }
  const fields = new Map<string, string>();
  let file: Buffer | undefined;
  let fileName: string | undefined;
  for (const [key, value] of form.entries()) {
    if (typeof value === 'string') {
      if (key === 'file') file = Buffer.from(value, 'utf8');
      else fields.set(key, value);
    } else if (key === 'file') {
      file = Buffer.from(await value.arrayBuffer());
      fileName = value.name;
    }
  }
  return { fields, file, fileName };
}

export function parseMobileBody(body: Buffer, contentType: string | undefined): Promise<MobileForm> {
  // Android's Content-Type is whatever HttpURLConnection defaults to: anything not multipart is a form.
  if (contentType?.toLowerCase().startsWith('multipart/form-data')) return parseMultipart(body, contentType);
  return Promise.resolve(parseUrlencoded(body));
}

/** Python's unquote_plus on bytes: `+` → space, valid `%XX` → byte, anything else kept as is. */
function unquotePlus(bytes: Buffer): Buffer {
  // Encrypted files are base64url (no `+` or `%`): skip the copy for them.
  if (bytes.indexOf(PLUS) === -1 && bytes.indexOf(PCT) === -1) return bytes;
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === PLUS) {
      out[n++] = 0x20;
    } else if (b === PCT && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out[n++] = (hexValue(bytes[i + 1]!) << 4) | hexValue(bytes[i + 2]!);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return out.subarray(0, n);
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}

function hexValue(b: number): number {
  return b <= 0x39 ? b - 0x30 : (b & 0x5f) - 0x41 + 10;
}
