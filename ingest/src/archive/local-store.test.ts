import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../errors.ts';
import { openArchiveObject, sealArchiveObject } from './codec.ts';
import { createLocalArchiveStore, sweepTempFiles } from './local-store.ts';
import { ArchiveKeyNotFoundError, ArchiveUnavailableError, InvalidArchiveKeyError } from './store.ts';

const KEY = 'study-1/abcd1234/accel/1700000000000.csv.v1';
const badKeys = ['../escape', 'inside/../../escape', '/etc/passwd', `${KEY}/..`, 'a\\b', 'a\0b', '.tmp-x', 'a//b', ''];

let dir: string;
let root: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-archive-'));
  root = join(dir, 'root');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function listAll(path: string): Promise<string[]> {
  return (await readdir(path, { recursive: true })).map(String).sort();
}

describe('createLocalArchiveStore', () => {
  it('round-trips bytes under a nested key, creating the folders and the root', async () => {
    const store = createLocalArchiveStore(root);
    const body = randomBytes(100_000);
    expect(await store.exists(KEY)).toBe(false);
    await store.put(KEY, body);
    expect(await store.exists(KEY)).toBe(true);
    expect((await store.get(KEY)).equals(body)).toBe(true);
    expect((await readFile(join(root, KEY))).equals(body)).toBe(true);
    await store.put('top-level', Buffer.alloc(0));
    expect(await store.get('top-level')).toEqual(Buffer.alloc(0));
  });

  it('puts again into a folder another process removed after this one made it', async () => {
    const store = createLocalArchiveStore(root);
    await store.put(KEY, Buffer.from('first'));
    await rm(join(root, 'study-1'), { recursive: true });
    const next = 'study-1/abcd1234/accel/1700000060000.csv.v1';
    await store.put(next, Buffer.from('second'));
    expect((await store.get(next)).toString()).toBe('second');
    expect(await listAll(root)).toEqual([
      'study-1',
      'study-1/abcd1234',
      'study-1/abcd1234/accel',
      `study-1/abcd1234/accel/1700000060000.csv.v1`,
    ]);
  });

  it('replaces an existing object and leaves no temp file behind', async () => {
    const store = createLocalArchiveStore(root);
    await store.put(KEY, Buffer.from('first version, longer than the second'));
    await store.put(KEY, Buffer.from('second'));
    expect((await store.get(KEY)).toString()).toBe('second');
    expect(await readdir(join(root, 'study-1/abcd1234/accel'))).toEqual(['1700000000000.csv.v1']);
  });

  it('ends with one whole body when many puts race on one key', async () => {
    const store = createLocalArchiveStore(root);
    const bodies = Array.from({ length: 20 }, (_, i) => Buffer.alloc(50_000 + i, i));
    await Promise.all(bodies.map((b) => store.put(KEY, b)));
    const stored = await store.get(KEY);
    expect(bodies.some((b) => b.equals(stored))).toBe(true);
    expect((await listAll(root)).filter((p) => p.includes('.tmp-'))).toEqual([]);
  });

  it('never exposes a crash-left temp file, and sweeps it once it is old enough', async () => {
    const store = createLocalArchiveStore(root);
    await store.put(KEY, Buffer.from('x'));
    const accel = join(root, 'study-1/abcd1234/accel');
    const stale = join(accel, '.tmp-stale');
    const fresh = join(accel, '.tmp-fresh');
    await writeFile(stale, 'half a body');
    await writeFile(fresh, 'a put in flight');
    // Both times are set from the process clock that the sweep reads: the kernel stamps files with
    // its own, which differs under faketime.
    const hourAgo = new Date(Date.now() - 3_600_000);
    const secondAgo = new Date(Date.now() - 1_000);
    await utimes(stale, hourAgo, hourAgo);
    await utimes(fresh, secondAgo, secondAgo);

    await expect(store.get('study-1/abcd1234/accel/.tmp-stale')).rejects.toThrow(InvalidArchiveKeyError);
    expect(await sweepTempFiles(root, 600_000)).toBe(1);
    expect((await readdir(accel)).sort()).toEqual(['.tmp-fresh', '1700000000000.csv.v1']);
  });

  it('rejects bad keys on every method without touching the disk', async () => {
    const store = createLocalArchiveStore(root);
    await store.put('inside', Buffer.from('x'));
    for (const key of badKeys) {
      await expect(store.put(key, Buffer.from('evil')), key).rejects.toThrow(InvalidArchiveKeyError);
      await expect(store.get(key), key).rejects.toThrow(InvalidArchiveKeyError);
      await expect(store.exists(key), key).rejects.toThrow(InvalidArchiveKeyError);
      await expect(store.delete(key), key).rejects.toThrow(InvalidArchiveKeyError);
    }
    expect(await listAll(dir)).toEqual(['root', 'root/inside']);
  });

  it('reports a missing object as ArchiveKeyNotFoundError, including keys that pass through an object or name a folder', async () => {
    const store = createLocalArchiveStore(root);
    await expect(store.get(KEY)).rejects.toThrow(ArchiveKeyNotFoundError);
    await store.put(KEY, Buffer.from('x'));
    for (const key of [`${KEY}/below`, 'study-1/abcd1234', 'study-1/other']) {
      await expect(store.get(key), key).rejects.toThrow(ArchiveKeyNotFoundError);
      expect(await store.exists(key), key).toBe(false);
    }
  });

  it('deletes idempotently', async () => {
    const store = createLocalArchiveStore(root);
    await store.put(KEY, Buffer.from('x'));
    await store.delete(KEY);
    await store.delete(KEY);
    expect(await store.exists(KEY)).toBe(false);
    await expect(store.get(KEY)).rejects.toThrow(ArchiveKeyNotFoundError);
  });

  it('fails with a retryable error and leaves nothing when the root lies under a regular file', async () => {
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'plain file');
    const store = createLocalArchiveStore(join(file, 'archive'));
    const err = await store.put(KEY, Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveUnavailableError);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as ArchiveUnavailableError).errno).toBe('ENOTDIR');
    expect(await listAll(dir)).toEqual(['not-a-folder']);
    expect(await readFile(file, 'utf8')).toBe('plain file');
  });

  it('removes its temp file when the final rename fails', async () => {
    const store = createLocalArchiveStore(root);
    await mkdir(join(root, KEY), { recursive: true });
    const err = await store.put(KEY, randomBytes(10_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveUnavailableError);
    expect(await listAll(root)).toEqual(['study-1', 'study-1/abcd1234', 'study-1/abcd1234/accel', `${KEY}`]);
  });

  it('stores sealed objects that do not open once moved to another key', async () => {
    const store = createLocalArchiveStore(root);
    const dataKey = randomBytes(32);
    const upload = Buffer.from('line 1\nline 2\n');
    await store.put(KEY, await sealArchiveObject(dataKey, upload, KEY));
    expect(await openArchiveObject(dataKey, await store.get(KEY), KEY)).toEqual(upload);
    await store.put('study-2/moved', await store.get(KEY));
    await expect(openArchiveObject(dataKey, await store.get('study-2/moved'), 'study-2/moved')).rejects.toThrow(
      /authentication/
    );
  });
});
