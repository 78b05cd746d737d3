/** Per-line error types, named as the backend's `LineEncryptionError` (spec §3.4 step 4). */
export const LINE_ERROR_TYPES = [
  'MALFORMED_CONFIG',
  'PADDING_ERROR',
  'LINE_EMPTY',
  'IV_MISSING',
  'IV_BAD_LENGTH',
] as const;
export type LineErrorType = (typeof LINE_ERROR_TYPES)[number];
export type LineErrorCounts = Record<LineErrorType, number>;

/** A dropped line kept for inspection; `index` counts non-empty lines, the key line being 0. */
export type BadLine = { index: number; type: LineErrorType; text: string };

export const MAX_BAD_LINES = 20;
/** Bad audio lines can be megabytes long; only the start is worth keeping. */
export const MAX_BAD_LINE_BYTES = 256;

/**
 * A file whose data lines all fail is still `ok`, with `lines: 0` and an empty plaintext (the
 * backend then answers 200 `empty file?`, after recording the line errors).
 */
export type DecryptOk = {
  kind: 'ok';
  /**
   * Decrypted lines joined by `\n`, no trailing newline; for audio files the raw audio bytes.
   * A view into a working buffer of ~3/4 the file's size: copy it if it must outlive that.
   */
  plaintext: Buffer;
  /** Lines that decrypted. */
  lines: number;
  /** Non-empty lines after the key line (the backend's `total_lines` is this + 1). */
  dataLines: number;
  errors: LineErrorCounts;
  errorCount: number;
  badLines: BadLine[];
  /** The file's AES key; the backend keeps iOS keys to decrypt a later split-off part of the file. */
  aesKey: Buffer;
};

/**
 * `empty`: nothing but newlines, answer 200 so the app deletes it.
 * `key_error`: the key line is unusable; answer 200 and keep the raw bytes aside.
 */
export type DecryptResult = { kind: 'empty'; reason: string } | { kind: 'key_error'; reason: string } | DecryptOk;

export type LineErrorLog = {
  record(index: number, type: LineErrorType, src: Uint8Array, start: number, end: number): void;
  counts: LineErrorCounts;
  badLines: BadLine[];
  total(): number;
};

export function createLineErrorLog(): LineErrorLog {
  const counts: LineErrorCounts = {
    MALFORMED_CONFIG: 0,
    PADDING_ERROR: 0,
    LINE_EMPTY: 0,
    IV_MISSING: 0,
    IV_BAD_LENGTH: 0,
  };
  const badLines: BadLine[] = [];
  let total = 0;
  return {
    counts,
    badLines,
    total: () => total,
    record(index, type, src, start, end) {
      counts[type]++;
      total++;
      if (badLines.length < MAX_BAD_LINES) {
        const stop = Math.min(end, start + MAX_BAD_LINE_BYTES);
        // latin1 maps bytes 1:1, so the kept text is lossless whatever the corruption.
        const text = Buffer.from(src.buffer, src.byteOffset + start, stop - start).toString('latin1');
        badLines.push({ index, type, text });
      }
    },
  };
}
