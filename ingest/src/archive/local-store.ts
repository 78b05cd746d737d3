import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsync, openSync, read, renameSync, write } from 'node:fs';
import { mkdir, open, readdir, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { ArchiveKeyNotFoundError, ArchiveUnavailableError, assertValidArchiveKey } from './store.ts';
import type { ArchiveStore } from './store.ts';

const TEMP_PREFIX = '.tmp-';
// Raw uploads are health data: readable by the service account only.
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const fsyncFd = promisify(fsync);
const writeFd = promisify(write);
const readFd = promisify(read);

/**
 * An `ArchiveStore` on a local filesystem. `put` writes a `.tmp-*` file beside the target, fsyncs it,
 * renames it into place and fsyncs the directory, so after a crash a key holds either its old bytes or
 * the complete new ones. Temp files can never be read as objects (keys may not start with '.');
 * `sweepTempFiles` removes the ones a crash left behind. `probe` fails while the disk has less than
 * `minFreeBytes` free.
 */
export function createLocalArchiveStore(
  rootDir: string,
  { minFreeBytes = 0 }: { minFreeBytes?: number } = {}
): ArchiveStore {
  const root = resolve(rootDir);
  // Directories whose entries (up to the root) are known to be on disk; saves an fsync chain per put.
  const durableDirs = new Set<string>();

  const pathOf = (key: string): string => {
    assertValidArchiveKey(key);
    return join(root, key);
  };

  const makeDurableDir = async (dir: string): Promise<void> => {
    // Known to be on disk: no mkdir (two system calls a put). One removed since (by another
    // process) shows as ENOENT when the put opens its file, which forgets it and comes back here.
    if (durableDirs.has(dir)) return;
    const created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
    // Each new folder's entry lives in its parent, so every parent up to the root (or above it, when the
    // root itself was just created) is synced. A concurrent put may have created the folders without
    // having synced them yet, so a folder this call did not create still gets its chain synced once.
    const createdRoot = created !== undefined && (created === root || root.startsWith(created + sep));
    const stop = createdRoot ? dirname(created) : root;
    for (let d = dir; d !== stop;) {
      d = dirname(d);
      await fsyncDir(d);
    }
    durableDirs.add(dir);
  };

  /** The put's temp file, made new; a folder removed since it was known (by another process) is made again. */
  const openTemp = async (temp: string, dir: string): Promise<number> => {
    await makeDurableDir(dir);
    try {
      return openSync(temp, 'wx', FILE_MODE);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT' || !durableDirs.delete(dir)) throw err;
      await makeDurableDir(dir);
      return openSync(temp, 'wx', FILE_MODE);
    }
  };

  const store: ArchiveStore = {
    async put(key, body) {
      const target = pathOf(key);
      const dir = dirname(target);
      const temp = join(dir, `${TEMP_PREFIX}${randomBytes(12).toString('hex')}`);
      let renamed = false;
      try {
        // Opening, closing and renaming are done in place: microseconds on a local disk, where a trip
        // through the thread pool costs more (a day's 1,140 puts: 1.23–1.46 → 0.76–0.80 CPU-s,
        // docs/scaling.md). The write and the fsyncs, which wait on the disk, stay off the loop.
        const fd = await openTemp(temp, dir);
        try {
          for (let at = 0; at < body.length;) at += (await writeFd(fd, body, at, body.length - at)).bytesWritten;
          await fsyncFd(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, target);
        renamed = true;
        await fsyncDir(dir);
      } catch (err) {
        if (!renamed) await unlink(temp).catch(() => undefined);
        throw unavailable(`could not store archive object ${key}`, err);
      }
    },

    async get(key) {
      const path = pathOf(key);
      try {
        return await readWhole(path);
      } catch (err) {
        if (isMissing(err)) throw new ArchiveKeyNotFoundError(key);
        throw unavailable(`could not read archive object ${key}`, err);
      }
    },

    async exists(key) {
      const path = pathOf(key);
      try {
        return (await stat(path)).isFile();
      } catch (err) {
        if (isMissing(err)) return false;
        throw unavailable(`could not check archive object ${key}`, err);
      }
    },

    async delete(key) {
      const path = pathOf(key);
      try {
        await unlink(path);
        await fsyncDir(dirname(path));
      } catch (err) {
        if (isMissing(err)) return;
        throw unavailable(`could not delete archive object ${key}`, err);
      }
    },

    async list(prefix) {
      const top = pathOf(prefix);
      const keys: string[] = [];
      const walk = async (dir: string, under: string): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          if (entry.isDirectory()) await walk(join(dir, entry.name), `${under}/${entry.name}`);
          else if (entry.isFile() && !entry.name.startsWith(TEMP_PREFIX)) keys.push(`${under}/${entry.name}`);
        }
      };
      try {
        await walk(top, prefix);
      } catch (err) {
        if (isMissing(err)) return keys;
        throw unavailable(`could not list archive folder ${prefix}`, err);
      }
      return keys;
    },

    async folders(prefix) {
      const dir = prefix === undefined ? root : pathOf(prefix);
      try {
        const entries = await readdir(dir, { withFileTypes: true });
        return entries.filter((e) => e.isDirectory()).map((e) => e.name);
      } catch (err) {
        if (isMissing(err)) return [];
        throw unavailable(`could not list archive folder ${prefix ?? '(root)'}`, err);
      }
    },

    async removeFolder(prefix) {
      const top = pathOf(prefix);
      // Bottom-up: temp files go, then every folder left empty; a folder still holding an object stays.
      const prune = async (dir: string): Promise<boolean> => {
        let empty = true;
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) empty = (await prune(path)) && empty;
          else if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) await unlink(path);
          else empty = false;
        }
        if (!empty) return false;
        await rmdir(dir);
        for (const d of durableDirs) if (d === dir || d.startsWith(dir + sep)) durableDirs.delete(d);
        return true;
      };
      try {
        const gone = await prune(top);
        await fsyncDir(dirname(top));
        return gone;
      } catch (err) {
        if (isMissing(err))
          return !(await stat(top)
            .then(() => true)
            .catch(() => false));
        throw unavailable(`could not remove archive folder ${prefix}`, err);
      }
    },

    async probe() {
      // A temp file's name: a crash mid-probe leaves something `sweepTempFiles` removes.
      const path = join(root, `${TEMP_PREFIX}probe-${randomBytes(6).toString('hex')}`);
      try {
        const file = await open(path, 'wx', FILE_MODE);
        try {
          await file.writeFile('probe');
          await file.sync();
        } finally {
          await file.close();
        }
        await unlink(path);
        const fs = await statfs(root);
        const free = fs.bavail * fs.bsize;
        if (free < minFreeBytes) {
          const mb = (n: number) => Math.floor(n / 1_048_576);
          throw new ArchiveUnavailableError(
            `archive disk has ${mb(free)} MB free, under the ${mb(minFreeBytes)} MB minimum`,
            'ENOSPC'
          );
        }
      } catch (err) {
        await unlink(path).catch(() => undefined);
        if (err instanceof ArchiveUnavailableError) throw err;
        throw unavailable('archive is not writable', err);
      }
    },
  };
  return store;
}

/**
 * Removes temp files older than `olderThanMs` (leftovers of a crash mid-`put`) and returns how many.
 * Pick an age far above the longest `put`, so a write in flight is never swept.
 */
export async function sweepTempFiles(rootDir: string, olderThanMs: number, now: number = Date.now()): Promise<number> {
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) {
        try {
          if (now - (await stat(path)).mtimeMs < olderThanMs) continue;
          await unlink(path);
          removed += 1;
        } catch (err) {
          // The put finished (renamed its temp file) or another sweep got there first.
          if (!isMissing(err)) throw err;
        }
      }
    }
  };
  await walk(resolve(rootDir));
  return removed;
}

/** An object, opened, sized and closed in place as a put does; the read stays off the loop. */
async function readWhole(path: string): Promise<Buffer> {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.allocUnsafe(fstatSync(fd).size);
    for (let at = 0; at < bytes.length;) {
      const { bytesRead } = await readFd(fd, bytes, at, bytes.length - at, at);
      if (bytesRead === 0) return bytes.subarray(0, at);
      at += bytesRead;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

function errnoOf(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

// ENOTDIR / EISDIR on a read mean the key names a folder or passes through an object: no such object.
function isMissing(err: unknown): boolean {
  const code = errnoOf(err);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

function unavailable(message: string, err: unknown): ArchiveUnavailableError {
  const code = errnoOf(err);
  return new ArchiveUnavailableError(code ? `${message}: ${code}` : message, code, { cause: err });
}
