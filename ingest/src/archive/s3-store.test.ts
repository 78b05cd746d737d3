import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../test/s3-server/server.ts';
import { createS3ArchiveStore } from './s3-store.ts';
import { ArchiveKeyNotFoundError, ArchiveUnavailableError, InvalidArchiveKeyError } from './store.ts';

const KEY = 'study-1/abcd1234/accel/1700000000000.csv.v1';

let s3: S3Server;
let prefixes = 0;
/** Each test in its own bucket folder, so what one stores is not in another's listing. */
const freshStore = () =>
  createS3ArchiveStore(s3.client(), { bucket: s3.config().bucket, prefix: `t${++prefixes}/archive` });

beforeAll(async () => {
  s3 = await startS3Server();
}, 30_000);

afterAll(async () => {
  await s3?.stop();
});

/** Every file s3rver keeps under its directory, with its bytes. */
async function filesAtRest(): Promise<Buffer[]> {
  const entries = await readdir(s3.directory, { recursive: true, withFileTypes: true });
  return Promise.all(entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name))));
}

describe('createS3ArchiveStore (against s3rver over HTTP)', { timeout: 20_000 }, () => {
  it('round-trips bytes, empty bodies and a multipart-sized body', async () => {
    const store = freshStore();
    const body = randomBytes(100_000);
    expect(await store.exists(KEY)).toBe(false);
    await store.put(KEY, body);
    expect(await store.exists(KEY)).toBe(true);
    expect((await store.get(KEY)).equals(body)).toBe(true);
    await store.put('top-level', Buffer.alloc(0));
    expect(await store.get('top-level')).toEqual(Buffer.alloc(0));

    const large = randomBytes(20 * 1024 * 1024);
    await store.put('study-1/large', large);
    expect((await store.get('study-1/large')).equals(large)).toBe(true);
  });

  it('replaces an object, and deleting is idempotent', async () => {
    const store = freshStore();
    await store.put(KEY, Buffer.from('first version'));
    await store.put(KEY, Buffer.from('second'));
    expect((await store.get(KEY)).toString()).toBe('second');
    await store.delete(KEY);
    await store.delete(KEY);
    expect(await store.exists(KEY)).toBe(false);
    await expect(store.get(KEY)).rejects.toBeInstanceOf(ArchiveKeyNotFoundError);
  });

  it('lists the keys under a folder at any depth (past a page of results), and the folders under one', async () => {
    const store = freshStore();
    const keys = Array.from({ length: 1_050 }, (_, i) => `study-2/p${i % 3}/gps/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, Buffer.from(k))));
    await store.put('study-20/p0/gps/1', Buffer.from('a neighbour sharing the prefix study-2'));
    expect((await store.list('study-2')).sort()).toEqual([...keys].sort());
    expect((await store.list('study-2/p1')).length).toBe(350);
    expect(await store.list('study-3')).toEqual([]);
    expect(await store.folders('study-9')).toEqual([]);
    // Observed: s3rver 3.7.1 finds a common prefix only through an object directly inside it (its walk
    // skips deeper folders), where S3 finds it through any key; these markers make both answer alike.
    for (const k of ['study-2/m', 'study-20/m', 'study-2/p0/m', 'study-2/p1/m', 'study-2/p2/m'])
      await store.put(k, Buffer.from('marker'));
    expect((await store.folders()).sort()).toEqual(['study-2', 'study-20']);
    expect((await store.folders('study-2')).sort()).toEqual(['p0', 'p1', 'p2']);
    await store.delete('study-20/m');

    expect(await store.removeFolder('study-20')).toBe(false);
    await store.delete('study-20/p0/gps/1');
    expect(await store.removeFolder('study-20')).toBe(true);
    expect(await store.folders()).toEqual(['study-2']);
  });

  it('refuses keys that could leave the prefix or collide with the probe', async () => {
    const store = freshStore();
    for (const bad of ['../escape', '/etc/passwd', '.vigil-probe', 'a//b', ''])
      await expect(store.put(bad, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidArchiveKeyError);
  });

  it('probes with a write that does not show up as an object', async () => {
    const store = freshStore();
    await store.probe();
    expect(await store.folders()).toEqual([]);
  });

  it('maps a bucket that is down, stalled or missing to ArchiveUnavailableError', async () => {
    const store = freshStore();
    await store.put(KEY, Buffer.from('kept'));
    s3.proxy.kill();
    try {
      await expect(store.put(KEY, Buffer.from('x'))).rejects.toBeInstanceOf(ArchiveUnavailableError);
      await expect(store.get(KEY)).rejects.toBeInstanceOf(ArchiveUnavailableError);
      await expect(store.exists(KEY)).rejects.toBeInstanceOf(ArchiveUnavailableError);
      await expect(store.list('study-1')).rejects.toBeInstanceOf(ArchiveUnavailableError);
      await expect(store.probe()).rejects.toBeInstanceOf(ArchiveUnavailableError);
    } finally {
      s3.proxy.restore();
    }
    expect((await store.get(KEY)).toString()).toBe('kept');

    const stalled = createS3ArchiveStore(s3.client({ requestTimeoutMs: 300 }), {
      bucket: s3.config().bucket,
      prefix: 'stalled',
    });
    s3.proxy.hang();
    try {
      await expect(stalled.put(KEY, Buffer.from('x'))).rejects.toBeInstanceOf(ArchiveUnavailableError);
    } finally {
      s3.proxy.restore();
    }

    const missing = createS3ArchiveStore(s3.client(), { bucket: 'no-such-bucket', prefix: '' });
    await expect(missing.probe()).rejects.toThrow(/not writable: NoSuchBucket/);
  });

  it('stores the bytes it is given: what s3rver keeps on disk is the body, nothing added', async () => {
    const store = freshStore();
    const marker = randomBytes(64);
    await store.put(KEY, marker);
    expect((await filesAtRest()).some((f) => f.equals(marker))).toBe(true);
  });
});
