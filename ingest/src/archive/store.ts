import { InvalidInputError, NotFoundError, UnavailableError } from '../errors.ts';

/**
 * Where raw uploads are kept. Keys are relative slash paths (`study-1/abcd1234/accel/1700000000000.csv.v1`);
 * bodies are opaque bytes (callers store `sealArchiveObject` output). A key must not also be the folder of
 * another key (`a/b` and `a/b/c`): a filesystem cannot hold both, and the second `put` fails.
 *
 * `put` resolves only once the object is durable, so its caller may answer "200, delete your copy".
 */
export type ArchiveStore = {
  /** Atomically creates or replaces the object: readers see the old bytes or the new ones, never a mix. */
  put(key: string, body: Buffer): Promise<void>;
  /** Throws `ArchiveKeyNotFoundError` when there is no object at `key`. */
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** Keys of every object under the folder `prefix` (itself a valid key), at any depth; none when it does not exist. */
  list(prefix: string): Promise<string[]>;
  /** Names of the folders directly under `prefix` (the root when undefined). */
  folders(prefix?: string): Promise<string[]>;
  /**
   * Removes from the folder `prefix` what is not an object (temp files a crash left, empty folders),
   * and the folder itself once empty; true when it is gone. Idempotent. Folder names can identify a
   * participant, so a purge removes them too.
   */
  removeFolder(prefix: string): Promise<boolean>;
  /** Resolves once the store has proved it can durably write and has room; else `ArchiveUnavailableError`. */
  probe(): Promise<void>;
};

export class InvalidArchiveKeyError extends InvalidInputError {}

export class ArchiveKeyNotFoundError extends NotFoundError {
  constructor(readonly key: string) {
    super(`archive object ${key} does not exist`);
  }
}

/** The storage failed (EIO, ENOSPC, EACCES, EROFS, …); retrying later may succeed, so it maps to 503. */
export class ArchiveUnavailableError extends UnavailableError {
  constructor(
    message: string,
    readonly errno: string | undefined,
    options?: { cause: unknown }
  ) {
    super(message);
    if (options) this.cause = options.cause;
  }
}

const MAX_KEY_LENGTH = 1024;
const MAX_SEGMENT_LENGTH = 200;
// A segment may not start with '.', which rules out '.', '..' and hidden names, so nothing a caller names
// can collide with the store's own `.tmp-*` files.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Keys come from phone-supplied file names, so every store checks them before touching storage. */
export function assertValidArchiveKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new InvalidArchiveKeyError(`archive key must be 1-${MAX_KEY_LENGTH} characters`);
  }
  for (const segment of key.split('/')) {
    if (segment.length > MAX_SEGMENT_LENGTH || !SEGMENT.test(segment)) {
      throw new InvalidArchiveKeyError(`archive key ${JSON.stringify(key)} has an invalid path segment`);
    }
  }
}
