import busboy from 'busboy';
import { decodePair } from '../beiwe/mobile/body.ts';

/**
 * Decides, from the form fields seen so far, whether the sender may send more: undefined while the
 * credentials have not all arrived, then 'open' (read on, up to the full limit) or 'refuse'.
 */
export type Gate = (fields: ReadonlyMap<string, string>) => Promise<'open' | 'refuse' | undefined>;

export type GatedBody =
  | { kind: 'complete'; bytes: Buffer }
  /** The gate refused: reading stopped, and these are the fields that had arrived. */
  | { kind: 'refused'; fields: ReadonlyMap<string, string> }
  | { kind: 'too-large'; limit: number }
  /** The sender stopped part-way (the connection closed or failed). */
  | { kind: 'cut-short' };

export type BodyLimits = {
  /** What may arrive before the gate opens (all that may arrive without a gate). */
  readonly unauthenticated: number;
  /** What may arrive once the gate has opened. */
  readonly authenticated: number;
};

/**
 * Reads a form body as it arrives, never holding more than its sender may send: up to
 * `unauthenticated` bytes until the gate, shown each field as it completes, opens; then up to
 * `authenticated`. A declared length over the limit is refused before anything is read. Forms
 * are urlencoded or multipart (anything not multipart is read as urlencoded, as the Beiwe apps
 * need); the complete body is returned as bytes for the caller's own parser.
 */
export async function readGatedBody(request: Request, limits: BodyLimits, gate?: Gate): Promise<GatedBody> {
  let limit = Math.min(limits.unauthenticated, limits.authenticated);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limits.authenticated || (!gate && declared > limit)) {
    return { kind: 'too-large', limit: gate ? limits.authenticated : limit };
  }
  if (!request.body) return { kind: 'complete', bytes: Buffer.alloc(0) };

  const reader: ReadableStreamDefaultReader<Uint8Array> = request.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  let scanner = gate ? fieldScanner(request.headers.get('content-type'), limits.unauthenticated) : undefined;
  let seen = 0;
  for (;;) {
    let next: Awaited<ReturnType<typeof reader.read>>;
    try {
      next = await reader.read();
    } catch {
      return { kind: 'cut-short' };
    }
    const { done, value } = next;
    if (done) break;
    total += value.byteLength;
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    // A chunk is scanned before it is measured: the one bringing the credentials may bring more.
    if (scanner && gate) {
      scanner.push(chunks[chunks.length - 1]!);
      if (scanner.fields.size !== seen) {
        seen = scanner.fields.size;
        const decision = await gate(scanner.fields);
        if (decision === 'refuse') {
          await reader.cancel();
          return { kind: 'refused', fields: scanner.fields };
        }
        if (decision === 'open') {
          scanner.stop();
          scanner = undefined;
          limit = limits.authenticated;
        }
      }
    }
    if (total > limit) {
      await reader.cancel();
      return { kind: 'too-large', limit };
    }
  }
  scanner?.stop();
  return { kind: 'complete', bytes: Buffer.concat(chunks, total) };
}

type FieldScanner = { readonly fields: Map<string, string>; push(chunk: Buffer): void; stop(): void };

/** The text fields of a form as they complete, the last value of a repeated one winning (as Django). */
function fieldScanner(contentType: string | null, maxField: number): FieldScanner {
  const fields = new Map<string, string>();
  if (contentType?.toLowerCase().startsWith('multipart/form-data')) {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: maxField } });
    } catch {
      // No usable boundary: no field will ever be seen, so the unauthenticated limit holds throughout.
      return { fields, push: () => undefined, stop: () => undefined };
    }
    let broken = false;
    parser.on('field', (name, value) => fields.set(name, value));
    // File contents are not needed to authenticate: they are counted, not kept.
    parser.on('file', (_name, stream) => stream.on('error', () => undefined).resume());
    parser.on('error', () => (broken = true));
    return {
      fields,
      push: (chunk) => {
        if (!broken) parser.write(chunk);
      },
      // Left unfinished rather than destroyed: destroying reports the cut-short form as an error.
      stop: () => (broken = true),
    };
  }
  let pending: Buffer = Buffer.alloc(0);
  return {
    fields,
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let start = 0;
      for (let amp = pending.indexOf(0x26); amp !== -1; amp = pending.indexOf(0x26, start)) {
        const pair = decodePair(pending.subarray(start, amp));
        if (pair && pair[0] !== 'file') fields.set(pair[0], pair[1].toString('utf8'));
        start = amp + 1;
      }
      pending = pending.subarray(start);
    },
    stop: () => undefined,
  };
}
