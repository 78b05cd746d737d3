import { compress, init } from '@bokuweb/zstd-wasm';

/**
 * Beiwe stores chunks as zstd at a level of at most 4 (its config refuses more) and `/get-data/v2`
 * hands those frames out as they are; 3 is zstd's own default and within that range.
 */
const LEVEL = 3;

let ready: Promise<void> | undefined;

/** One zstd frame of `data`. The WebAssembly module is compiled on first use. */
export async function zstdFrame(data: Buffer): Promise<Buffer> {
  await (ready ??= init());
  return Buffer.from(compress(data, LEVEL));
}
