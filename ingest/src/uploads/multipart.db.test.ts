import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { setTimeout } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { describe, expect, onTestFinished } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { testConfig, testDeps, testFromNow as test } from '../test/fixtures.ts';
import { encryptTextFile, sha256B64url } from '../test/phone-emulator/encrypt.ts';
import { iosMultipartBody } from '../test/phone-emulator/http-bodies.ts';
import { enrolledPhone } from '../test/enrolled-phone.ts';
import { freePort } from '../test/ports.ts';

const MAX_BYTES = 40_000;
const BOUNDARY = 'alamofire.boundary.00112233aabbccdd';
const MALFORMED = 'the multipart body is malformed or cut short';

/** Every file under a folder, temp files included. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * The streaming multipart reader on the upload endpoint: a body that is malformed, cut short or
 * over the limit gets a precise 4xx and leaves nothing behind: no archive file (nor temp file), no
 * upload row, no job. Each body is sent in-process and over a real socket, where the Node server
 * turns the request into the app's; a connection that drops part-way only exists over the socket.
 */
describe('multipart uploads that cannot be read leave nothing behind', () => {
  test('malformed, cut short and oversized bodies; the same upload whole is stored', async ({ db, clock, vault }) => {
    const archiveDir = await mkdtemp(join(tmpdir(), 'vigil-multipart-'));
    onTestFinished(() => rm(archiveDir, { recursive: true, force: true }));
    const app = createApp(
      testDeps({
        db,
        clock,
        vault,
        archiveStore: createLocalArchiveStore(archiveDir),
        config: testConfig({ VIGIL_UPLOAD_MAX_BYTES: String(MAX_BYTES) }),
      })
    );
    const { phone, participant: enrolled } = await enrolledPhone(app, {
      label: 'mp_1',
      phone: { os: 'ios', seed: 'mp' },
    });
    await phone.register();
    const registered = await filesUnder(archiveDir);
    const rows = async () => ({
      uploads: Number(
        ((await db('uploads').where({ participant_id: enrolled.id }).count({ n: '*' })) as { n: number }[])[0]?.n
      ),
      jobs: Number(((await db('upload_jobs').count({ n: '*' })) as { n: number }[])[0]?.n),
    });
    const before = await rows();
    const params = {
      patient_id: phone.patientId,
      password: sha256B64url(phone.password),
      device_id: phone.deviceId,
      file_name: `${phone.patientId}_accel_${Date.now() - 60_000}.csv`,
    };
    const lines = ['timestamp,accuracy,x,y,z', ...Array.from({ length: 40 }, (_, i) => `${Date.now()},3,0.1,0.2,${i}`)];
    const { body, contentType } = iosMultipartBody(
      params,
      { name: params.file_name, bytes: encryptTextFile(lines, phone.publicKey!) },
      BOUNDARY
    );
    const answer = async (res: Response) => [res.status, await res.text()];
    // In-process, and over a real socket through the Node server the ingest runs in.
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: await freePort() });
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const transports: [string, (path: string, init: RequestInit) => Promise<Response>][] = [
      ['in-process', (path, init) => Promise.resolve(app.request(path, init))],
      ['HTTP', (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init)],
    ];
    for (const [transport, send] of transports) {
      const post = (bytes: Uint8Array, type = contentType) =>
        send('/upload/ios/', { method: 'POST', headers: { 'content-type': type }, body: bytes });
      const says = async (res: Promise<Response>) => [transport, ...(await answer(await res))];

      // The boundary the header names is not the one the body uses.
      expect(await says(post(body, 'multipart/form-data; boundary=another.boundary'))).toEqual([
        transport,
        400,
        MALFORMED,
      ]);
      // No boundary at all.
      expect(await says(post(body, 'multipart/form-data'))).toEqual([transport, 400, MALFORMED]);
      // A part whose headers never end.
      const brokenPart = Buffer.concat([body.subarray(0, body.indexOf('filename=')), Buffer.from('filename="x.csv"')]);
      expect(await says(post(brokenPart))).toEqual([transport, 400, MALFORMED]);
      // Cut short inside the file, and just before the closing boundary.
      expect(await says(post(body.subarray(0, body.length - 200)))).toEqual([transport, 400, MALFORMED]);
      expect(await says(post(body.subarray(0, body.length - 4)))).toEqual([transport, 400, MALFORMED]);
      // Over the limit: declared, and sent without a length.
      const big = iosMultipartBody(params, { name: params.file_name, bytes: Buffer.alloc(MAX_BYTES, 0x41) }, BOUNDARY);
      expect(await says(post(big.body))).toEqual([transport, 413, `request body over ${MAX_BYTES} bytes`]);
      const streamed = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < big.body.length; at += 8192) controller.enqueue(big.body.subarray(at, at + 8192));
          controller.close();
        },
      });
      const unsized = send('/upload/ios/', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: streamed,
        duplex: 'half',
      } as RequestInit);
      expect(await says(unsized)).toEqual([transport, 413, `request body over ${MAX_BYTES} bytes`]);
    }

    // A phone whose connection drops part-way through the file: nobody is left to answer.
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /upload/ios/ HTTP/1.1\r\nHost: vigil.test\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`
    );
    await new Promise((resolve) => socket.write(body.subarray(0, body.length - 200), resolve));
    await setTimeout(200);
    socket.destroy();
    await setTimeout(500);

    expect(await rows()).toEqual(before);
    expect(await filesUnder(archiveDir)).toEqual(registered);

    // The check above can fail: the same upload whole is archived, with its row and job.
    const whole = await fetch(`http://127.0.0.1:${port}/upload/ios/`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    expect(await answer(whole)).toEqual([200, 'upload successful.']);
    expect(await rows()).toEqual({ uploads: before.uploads + 1, jobs: before.jobs + 1 });
    expect(await filesUnder(archiveDir)).toHaveLength(registered.length + 1);
  });
});
