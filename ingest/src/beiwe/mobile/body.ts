import busboy from 'busboy';
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

const MALFORMED_MULTIPART = 'the multipart body is malformed or cut short';

/**
 * A multipart form read with busboy straight from the body's bytes: the file part's data are views
 * of them, joined once (no FormData, Blob or ArrayBuffer copies). A part without a filename is a
 * text field; a `file` text field is taken as the file, as Django does.
 */
export function parseMultipart(body: Buffer, contentType: string): Promise<MobileForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // Field values may be as long as the body: the body's own limit applies, not busboy's 1 MB.
      parser = busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: body.length } });
    } catch {
      reject(new MalformedBodyError(MALFORMED_MULTIPART));
      return;
    }
    const fields = new Map<string, string>();
    let file: Buffer | undefined;
    let fileName: string | undefined;
    let pending = 0;
    let closed = false;
    let failed = false;
    const fail = () => {
      failed = true;
      reject(new MalformedBodyError(MALFORMED_MULTIPART));
    };
    const settle = () => {
      if (closed && pending === 0 && !failed) resolve({ fields, file, fileName });
    };
    parser.on('field', (name, value) => {
      if (name === 'file') [file, fileName] = [Buffer.from(value, 'utf8'), undefined];
      else fields.set(name, value);
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      pending += 1;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', fail);
      stream.on('end', () => {
        if (name === 'file')
          [file, fileName] = [chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), info.filename];
        pending -= 1;
        settle();
      });
    });
    parser.on('error', fail);
    parser.on('close', () => {
      closed = true;
      settle();
    });
    parser.end(body);
  });
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
