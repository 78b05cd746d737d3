import type { Prng } from './prng.ts';

/** Request bodies byte for byte as the apps build them (specs/beiwe-protocol.md §1.2). */

export type Field = readonly [key: string, value: string];
export type EncodedBody = { body: Buffer; contentType: string };

/**
 * Android PostRequest: `key=value&` per field with no percent-escaping at all (makeParameter), in
 * the order given, repeated keys kept. An upload ends `file_name=<name>&file=<raw bytes>` with no
 * `&` after the file; every other request ends with the last field's `&`.
 */
export function androidFormBody(fields: readonly Field[], file?: { name: string; bytes: Uint8Array }): EncodedBody {
  let text = '';
  for (const [key, value] of fields) text += `${key}=${value}&`;
  if (file) text += `file_name=${file.name}&file=`;
  const head = Buffer.from(text, 'utf8'); // String.getBytes(): UTF-8 on Android
  // HttpURLConnection's default for a POST with a body (§10.1: presumed, not observed on a device).
  const contentType = 'application/x-www-form-urlencoded';
  return { body: file ? Buffer.concat([head, file.bytes]) : head, contentType };
}

/**
 * Alamofire 4 URLEncoding.httpBody: keys sorted, `key=value` joined by `&`, each side escaped so
 * that only letters, digits and `-._~/?` stay literal (RFC 3986 §3.4 minus the sub-delimiters).
 */
export function iosUrlEncodedBody(params: Readonly<Record<string, string>>): EncodedBody {
  const text = Object.keys(params)
    .sort()
    .map((key) => `${alamofireEscape(key)}=${alamofireEscape(params[key] ?? '')}`)
    .join('&');
  return { body: Buffer.from(text, 'utf8'), contentType: 'application/x-www-form-urlencoded; charset=utf-8' };
}

export function alamofireEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/')
    .replace(/%3F/g, '?');
}

/**
 * Alamofire 4 MultipartFormData, built here as bytes so the layout is exact: every parameter a text
 * part (`Content-Disposition` only), then the file as part `file` with its real file name and a
 * MIME type from the extension. Swift dictionaries iterate in no fixed order; parts go in sorted
 * key order so that runs are reproducible.
 */
export function iosMultipartBody(
  params: Readonly<Record<string, string>>,
  file: { name: string; bytes: Uint8Array },
  boundary: string
): EncodedBody {
  const chunks: Buffer[] = [];
  const text = (s: string) => chunks.push(Buffer.from(s, 'utf8'));
  let first = true;
  const open = (headers: string) => {
    text(`${first ? '' : '\r\n'}--${boundary}\r\n${headers}\r\n\r\n`);
    first = false;
  };
  for (const key of Object.keys(params).sort()) {
    open(`Content-Disposition: form-data; name="${key}"`);
    text(params[key] ?? '');
  }
  open(
    `Content-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${iosMimeType(file.name)}`
  );
  chunks.push(Buffer.from(file.bytes));
  text(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** `String(format: "alamofire.boundary.%08x%08x", arc4random(), arc4random())` */
export function alamofireBoundary(random: Prng): string {
  return `alamofire.boundary.${random.hex(8)}${random.hex(8)}`;
}

/**
 * The MIME type UTType gives for the extension. csv and mp4 are the standard types; the `.wav`
 * one is what recent iOS reports for com.microsoft.waveform-audio (inferred, not observed).
 */
export function iosMimeType(fileName: string): string {
  const extension = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
  return { csv: 'text/csv', mp4: 'video/mp4', wav: 'audio/vnd.wave' }[extension] ?? 'application/octet-stream';
}
