import type { UploadArchive } from './archive.ts';

/**
 * What the worker of a receiving process can take from memory: at Beiwe's defaults a participant-day
 * is ~71 MB, so 10,000 participants send ~8 MB/s, and this holds several seconds of their uploads
 * for a worker that keeps up; a worker further behind reads the archive.
 */
export const RECENT_UPLOADS_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The archive as a process with both the web and the worker role uses it: what this process put
 * (durably: after the store's put returned) is kept in memory, and the worker's read of it soon
 * after gets those same bytes back instead of reading, decrypting and decompressing the object
 * again. Each object is handed out once, then forgotten; the oldest are forgotten first beyond
 * `maxBytes`. Anything not in memory (forgotten, put before a restart, or by another process) is
 * read from the archive as before.
 */
export function withRecentPuts(archive: UploadArchive, maxBytes: number): UploadArchive {
  const recent = new Map<string, Buffer>();
  let bytes = 0;
  const forget = (id: string) => {
    const kept = recent.get(id);
    if (!kept) return;
    recent.delete(id);
    bytes -= kept.buffer.byteLength;
  };
  return {
    async put(studyId, key, plaintext) {
      await archive.put(studyId, key, plaintext);
      const id = `${studyId}/${key}`;
      forget(id);
      if (plaintext.length > maxBytes) return;
      const kept = ownBytes(plaintext);
      recent.set(id, kept);
      bytes += kept.buffer.byteLength;
      for (const oldest of recent.keys()) {
        if (bytes <= maxBytes) break;
        forget(oldest);
      }
    },
    async get(studyId, key) {
      const id = `${studyId}/${key}`;
      const kept = recent.get(id);
      if (!kept) return archive.get(studyId, key);
      forget(id);
      return kept;
    },
    store: archive.store,
  };
}

/**
 * A small file is often a view into a larger buffer (a socket read of the request): kept as is,
 * it would hold all of that buffer, so it is kept as a copy of its own and counted at its size.
 */
function ownBytes(view: Buffer): Buffer {
  if (view.buffer.byteLength <= 2 * view.length) return view;
  const copy = Buffer.allocUnsafeSlow(view.length);
  view.copy(copy);
  return copy;
}
