import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readGatedBody, type Gate } from './gated-body.ts';

const KB = 1024;

/** A request whose body arrives in the given chunks, then `filler` bytes in 16 KB chunks; counts what was pulled. */
function streamed(chunks: (string | Buffer)[], filler = 0, headers: Record<string, string> = {}) {
  const queue = chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c));
  let left = filler;
  const pulled = { bytes: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        let next = queue.shift();
        if (!next && left > 0) {
          next = Buffer.alloc(Math.min(16 * KB, left), 0x41);
          left -= next.length;
        }
        if (!next) return controller.close();
        pulled.bytes += next.length;
        controller.enqueue(new Uint8Array(next));
      },
      cancel() {
        pulled.cancelled = true;
      },
    },
    { highWaterMark: 0 }
  );
  const request = new Request('http://x/upload', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  return { request, pulled };
}

const limits = { unauthenticated: 64 * KB, authenticated: 1024 * KB };

/** Opens for patient_id "known", refuses any other, waits until patient_id and password have arrived. */
const gate: Gate = (fields) => {
  const id = fields.get('patient_id');
  if (id === undefined || !fields.has('password')) return Promise.resolve(undefined);
  return Promise.resolve(id === 'known' ? 'open' : 'refuse');
};

describe('readGatedBody', () => {
  it('without a gate reads at most the smaller limit and stops there', async () => {
    const { request, pulled } = streamed([], 10 * 1024 * KB);
    expect(await readGatedBody(request, limits)).toEqual({ kind: 'too-large', limit: 64 * KB });
    expect(pulled.cancelled).toBe(true);
    expect(pulled.bytes).toBeLessThanOrEqual(64 * KB + 16 * KB);
  });

  it('refuses a declared length over the limit before reading anything', async () => {
    const { request, pulled } = streamed(['a=b'], 0, { 'content-length': String(2 * 1024 * KB) });
    expect(await readGatedBody(request, limits, gate)).toEqual({ kind: 'too-large', limit: 1024 * KB });
    expect(pulled.bytes).toBe(0);
  });

  it('reads past the unauthenticated limit once the credentials, sent first, open the gate', async () => {
    const { request } = streamed(['patient_id=known&pass', 'word=x&device_id=d&file_name=f&file='], 500 * KB);
    const body = await readGatedBody(request, limits, gate);
    expect(body.kind).toBe('complete');
    expect(body.kind === 'complete' && body.bytes.length).toBe(57 + 500 * KB);
  });

  it('still holds the authenticated limit after the gate opened', async () => {
    const { request, pulled } = streamed(['patient_id=known&password=x&file='], 10 * 1024 * KB);
    expect(await readGatedBody(request, limits, gate)).toEqual({ kind: 'too-large', limit: 1024 * KB });
    expect(pulled.bytes).toBeLessThanOrEqual(1024 * KB + 32 * KB);
  });

  it('stops at the unauthenticated limit when the credentials never come', async () => {
    const { request, pulled } = streamed(['file='], 10 * 1024 * KB);
    expect(await readGatedBody(request, limits, gate)).toEqual({ kind: 'too-large', limit: 64 * KB });
    expect(pulled.bytes).toBeLessThanOrEqual(64 * KB + 16 * KB);
  });

  it('stops reading when the gate refuses, and gives the fields seen', async () => {
    const { request, pulled } = streamed(['patient_id=nobody&password=x&device_id=d&file='], 10 * 1024 * KB);
    const body = await readGatedBody(request, limits, gate);
    expect(body.kind).toBe('refused');
    expect(body.kind === 'refused' && Object.fromEntries(body.fields)).toEqual({
      patient_id: 'nobody',
      password: 'x',
      device_id: 'd',
    });
    expect(pulled.cancelled).toBe(true);
    expect(pulled.bytes).toBeLessThan(64 * KB);
  });

  it('returns a small body whole when the gate never decided, for the caller to answer', async () => {
    const { request } = streamed(['password=x&device_id=d'], 0);
    const body = await readGatedBody(request, limits, gate);
    expect(body.kind === 'complete' && body.bytes.toString()).toBe('password=x&device_id=d');
  });

  it('reports a body whose sender went away part-way as cut short', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(Buffer.from('patient_id=known&')));
        controller.error(new Error('connection reset'));
      },
    });
    const request = new Request('http://x/upload', { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(await readGatedBody(request, limits, gate)).toEqual({ kind: 'cut-short' });
  });

  describe('multipart', () => {
    const boundary = 'b0undary';
    const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    const field = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const fileHead = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.csv"\r\n\r\n`;

    it('opens when the text parts before the file carry the credentials', async () => {
      const parts = field('patient_id', 'known') + field('password', 'x') + fileHead;
      const { request } = streamed([parts], 300 * KB, headers);
      const body = await readGatedBody(request, limits, gate);
      expect(body.kind).toBe('complete');
    });

    it('bounds a file sent before the credentials by the unauthenticated limit', async () => {
      const { request, pulled } = streamed([fileHead], 10 * 1024 * KB, headers);
      expect(await readGatedBody(request, limits, gate)).toEqual({ kind: 'too-large', limit: 64 * KB });
      expect(pulled.bytes).toBeLessThanOrEqual(64 * KB + 16 * KB);
    });
  });

  describe("from Node's request", () => {
    /** Node's message as a stream holding the whole body (the client sent all of it). */
    const incoming = (body: string | Buffer) => {
      const stream = new PassThrough();
      stream.end(body);
      const request = new Request('http://x/upload', { method: 'POST' });
      return { source: { request, incoming: stream as unknown as IncomingMessage }, stream };
    };

    it('reads the whole body', async () => {
      const { source } = incoming(
        Buffer.concat([Buffer.from('patient_id=known&password=x&file='), Buffer.alloc(300 * KB)])
      );
      const body = await readGatedBody(source, limits, gate);
      expect(body.kind === 'complete' && body.bytes.length).toBe(33 + 300 * KB);
    });

    // Destroying a message not read to its end destroys its socket, and the answer with it.
    it('leaves a refused body unread and the message open, for the server to answer and drain', async () => {
      const { source, stream } = incoming(`patient_id=nobody&password=x&device_id=d&file=${'A'.repeat(200 * KB)}`);
      expect((await readGatedBody(source, limits, gate)).kind).toBe('refused');
      expect(stream.destroyed).toBe(false);
      expect(stream.readableEnded).toBe(false);
    });

    it('leaves a body over the limit open too', async () => {
      const { source, stream } = incoming(`file=${'A'.repeat(200 * KB)}`);
      expect(await readGatedBody(source, limits, gate)).toEqual({ kind: 'too-large', limit: 64 * KB });
      expect(stream.destroyed).toBe(false);
    });

    it('reports a message that failed part-way as cut short', async () => {
      const stream = new PassThrough();
      stream.write('patient_id=known&');
      setImmediate(() => stream.destroy(new Error('aborted')));
      const source = {
        request: new Request('http://x/upload', { method: 'POST' }),
        incoming: stream as unknown as IncomingMessage,
      };
      expect(await readGatedBody(source, limits, gate)).toEqual({ kind: 'cut-short' });
    });
  });
});
