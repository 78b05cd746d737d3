import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalArchiveStore } from './local-store.ts';
import { ArchiveUnavailableError } from './store.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-folders-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the local store: folders (what a purge needs)', () => {
  it('lists the objects under a folder at any depth, never temp files; folders lists one level', async () => {
    const store = createLocalArchiveStore(root);
    await store.put('study-1/abcd1234/accel/1.csv', Buffer.from('a'));
    await store.put('study-1/abcd1234/identifiers/2.csv', Buffer.from('b'));
    await store.put('study-1/efgh5678/accel/3.csv', Buffer.from('c'));
    await writeFile(join(root, 'study-1/abcd1234/accel/.tmp-crashed'), 'half');

    expect((await store.list('study-1/abcd1234')).sort()).toEqual([
      'study-1/abcd1234/accel/1.csv',
      'study-1/abcd1234/identifiers/2.csv',
    ]);
    expect(await store.list('study-9')).toEqual([]);
    expect(await store.folders()).toEqual(['study-1']);
    expect((await store.folders('study-1')).sort()).toEqual(['abcd1234', 'efgh5678']);
    expect(await store.folders('study-9')).toEqual([]);
  });

  it('removeFolder removes temp files and empty folders, and the folder once empty; an object keeps it', async () => {
    const store = createLocalArchiveStore(root);
    await store.put('study-1/abcd1234/accel/1.csv', Buffer.from('a'));
    await store.put('study-1/abcd1234/gps/2.csv', Buffer.from('b'));
    await writeFile(join(root, 'study-1/abcd1234/gps/.tmp-crashed'), 'half');
    await mkdir(join(root, 'study-1/abcd1234/empty/deeper'), { recursive: true });

    await store.delete('study-1/abcd1234/gps/2.csv');
    expect(await store.removeFolder('study-1/abcd1234')).toBe(false);
    expect(await readdir(join(root, 'study-1/abcd1234'))).toEqual(['accel']);

    await store.delete('study-1/abcd1234/accel/1.csv');
    expect(await store.removeFolder('study-1/abcd1234')).toBe(true);
    expect(await readdir(join(root, 'study-1'))).toEqual([]);
    expect(await store.removeFolder('study-1/abcd1234')).toBe(true);
    // A put after the folder went recreates it.
    await store.put('study-1/abcd1234/accel/3.csv', Buffer.from('c'));
    expect(await store.list('study-1/abcd1234')).toEqual(['study-1/abcd1234/accel/3.csv']);
  });

  it('probe writes and removes a file, and fails when the root is missing or the disk is under the minimum', async () => {
    await createLocalArchiveStore(root).probe();
    expect(await readdir(root)).toEqual([]);
    await expect(createLocalArchiveStore(join(root, 'missing')).probe()).rejects.toThrow(
      /^archive is not writable: ENOENT$/
    );
    const full = createLocalArchiveStore(root, { minFreeBytes: Number.MAX_SAFE_INTEGER });
    await expect(full.probe()).rejects.toBeInstanceOf(ArchiveUnavailableError);
    expect(await readdir(root)).toEqual([]);
  });
});
