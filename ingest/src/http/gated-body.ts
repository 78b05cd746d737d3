import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import type { Context } from 'hono';
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
 * Where a body is read from: Node's own request when the app runs under a Node server, so each
 * chunk arrives as the Buffer the socket gave (the web stream @hono/node-server puts around it
 * copies every chunk and adds a promise per read); the web Request's stream for requests handed
 * to the app in-process (tests, tools).
 */
export type BodySource = Request | { readonly request: Request; readonly incoming: IncomingMessage };

export function bodySource(c: Context): BodySource {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // Something before the handler already read through the Request: the rest is only there.
  if (!incoming || incoming.readableDidRead) return c.req.raw;
  return { request: c.req.raw, incoming };
}

type Chunks = { next(): Promise<Buffer | undefined>; stop(): Promise<void> };

function chunksOf(source: BodySource): Chunks | undefined {
  if ('incoming' in source) {
    // Stopping must not destroy the message: destroying one not read to its end destroys the
    // socket, and the refusal's answer with it (also when the client had sent everything).
    // Left paused, the unread rest is drained (or the socket closed) by @hono/node-server once
    // the answer has gone out, as for a web stream cancelled below.
    const iterator = source.incoming.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer, undefined>;
    return {
      next: async () => (await iterator.next()).value,
      stop: async () => void (await iterator.return?.()),
    };
  }
  if (!source.body) return undefined;
  const reader: ReadableStreamDefaultReader<Uint8Array> = source.body.getReader();
  return {
    next: async () => {
      const { done, value } = await reader.read();
      return done ? undefined : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    },
    stop: () => reader.cancel(),
  };
}

/**
 * Reads a form body as it arrives, never holding more than its sender may send: up to
 * `unauthenticated` bytes until the gate, shown each field as it completes, opens; then up to
 * `authenticated`. A declared length over the limit is refused before anything is read. Forms
 * are urlencoded or multipart (anything not multipart is read as urlencoded, as the Beiwe apps
 * need); the complete body is returned as bytes for the caller's own parser.
 */
export async function readGatedBody(source: BodySource, limits: BodyLimits, gate?: Gate): Promise<GatedBody> {
  const request = 'incoming' in source ? source.request : source;
  let limit = Math.min(limits.unauthenticated, limits.authenticated);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limits.authenticated || (!gate && declared > limit)) {
    return { kind: 'too-large', limit: gate ? limits.authenticated : limit };
  }
  const reader = chunksOf(source);
  if (!reader) return { kind: 'complete', bytes: Buffer.alloc(0) };

  const chunks: Buffer[] = [];
  let total = 0;
  let scanner = gate ? fieldScanner(request.headers.get('content-type'), limits.unauthenticated) : undefined;
  let seen = 0;
  for (;;) {
    let chunk: Buffer | undefined;
    try {
      chunk = await reader.next();
    } catch {
      return { kind: 'cut-short' };
    }
    if (!chunk) break;
    total += chunk.byteLength;
    chunks.push(chunk);
    // A chunk is scanned before it is measured: the one bringing the credentials may bring more.
    if (scanner && gate) {
      scanner.push(chunk);
      if (scanner.fields.size !== seen) {
        seen = scanner.fields.size;
        const decision = await gate(scanner.fields);
        if (decision === 'refuse') {
          await reader.stop();
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
      await reader.stop();
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
