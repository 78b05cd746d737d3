import { describe, expect, it } from 'vitest';
import type { ArchiveStore } from '../archive/store.ts';
import type { UploadArchive } from './archive.ts';
import { withRecentPuts } from './recent-archive.ts';

/** An archive in a map that counts its reads, and fails a put when told to. */
function countingArchive() {
  const objects = new Map<string, Buffer>();
  const counts = { gets: 0 };
  let failPuts = false;
  const archive: UploadArchive = {
    put(studyId, key, plaintext) {
      if (failPuts) return Promise.reject(new Error('disk full'));
      objects.set(`${studyId}/${key}`, Buffer.from(plaintext));
      return Promise.resolve();
    },
    get(studyId, key) {
      counts.gets++;
      const found = objects.get(`${studyId}/${key}`);
      return found ? Promise.resolve(found) : Promise.reject(new Error(`no ${key}`));
    },
    store: {} as ArchiveStore,
  };
  return { archive, objects, counts, failPutsFromNow: () => (failPuts = true) };
}

describe('an archive that hands back what this process just put', () => {
  it('gives the worker the bytes it put once, then reads the archive', async () => {
    const { archive, objects, counts } = countingArchive();
    const recent = withRecentPuts(archive, 100);
    const bytes = Buffer.from('line one\nline two\n');
    await recent.put(1, 'a', bytes);
    expect(objects.get('1/a')).toEqual(bytes);

    expect(await recent.get(1, 'a')).toEqual(bytes);
    expect(counts.gets).toBe(0);
    expect(await recent.get(1, 'a')).toEqual(bytes);
    expect(counts.gets).toBe(1);
    // Another study's object under the same key is another object.
    await expect(recent.get(2, 'a')).rejects.toThrow('no a');
  });

  it('keeps at most its cap, forgetting the oldest first, and nothing larger than the cap', async () => {
    const { archive, counts } = countingArchive();
    const recent = withRecentPuts(archive, 10);
    await recent.put(1, 'a', Buffer.alloc(4, 1));
    await recent.put(1, 'b', Buffer.alloc(4, 2));
    await recent.put(1, 'c', Buffer.alloc(4, 3));
    await recent.put(1, 'huge', Buffer.alloc(11, 4));
    for (const key of ['b', 'c']) await recent.get(1, key);
    expect(counts.gets).toBe(0);
    for (const key of ['a', 'huge']) await recent.get(1, key);
    expect(counts.gets).toBe(2);
  });

  it('counts what a small file keeps alive: a view into a larger buffer is kept as a copy of its own', async () => {
    const { archive, counts } = countingArchive();
    const recent = withRecentPuts(archive, 100);
    const socketRead = Buffer.alloc(1000, 7);
    const view = socketRead.subarray(10, 30);
    await recent.put(1, 'a', view);
    const got = await recent.get(1, 'a');
    expect(counts.gets).toBe(0);
    expect(got).toEqual(view);
    expect(got.buffer.byteLength).toBe(20);
    // A whole buffer is kept as it is.
    const whole = Buffer.alloc(40, 8);
    await recent.put(1, 'b', whole);
    expect(await recent.get(1, 'b')).toBe(whole);
  });

  it('keeps nothing of a put that failed, and a new process (a restart) reads the archive', async () => {
    const { archive, counts, failPutsFromNow } = countingArchive();
    await withRecentPuts(archive, 100).put(1, 'a', Buffer.from('x'));
    const restarted = withRecentPuts(archive, 100);
    expect(await restarted.get(1, 'a')).toEqual(Buffer.from('x'));
    expect(counts.gets).toBe(1);

    failPutsFromNow();
    await expect(restarted.put(1, 'b', Buffer.from('y'))).rejects.toThrow('disk full');
    await expect(restarted.get(1, 'b')).rejects.toThrow('no b');
  });
});
