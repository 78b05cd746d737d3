import { createHash } from 'node:crypto';
import { ArchiveKeyNotFoundError } from './store.ts';
import type { ArchiveStore } from './store.ts';

export type CopyReport = {
  /** Objects found in the source. */
  objects: number;
  /** Written to the destination, then read back equal. */
  copied: number;
  /** Already in the destination with the same size and SHA-256 (an earlier, interrupted run). */
  alreadyThere: number;
  bytes: number;
  failed: { key: string; reason: string }[];
};

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Copies every object of `from` (each study folder, at any depth) to the same key in `to`, and
 * proves each one there: read back, same size, same SHA-256. Objects are copied as stored (sealed,
 * with the key as their authenticated data), so they open in `to` as they did in `from`. An object
 * already in `to` with the same bytes is left alone, so a run that was stopped can simply be run
 * again. One object failing does not stop the others; it is reported.
 */
export async function copyArchive(
  from: ArchiveStore,
  to: ArchiveStore,
  { concurrency = 4, onProgress }: { concurrency?: number; onProgress?: (report: CopyReport) => void } = {}
): Promise<CopyReport> {
  const keys: string[] = [];
  for (const folder of await from.folders()) keys.push(...(await from.list(folder)));
  const report: CopyReport = { objects: keys.length, copied: 0, alreadyThere: 0, bytes: 0, failed: [] };

  const copyOne = async (key: string) => {
    const body = await from.get(key);
    const want = digest(body);
    const present = await to.get(key).catch((err: unknown) => {
      if (err instanceof ArchiveKeyNotFoundError) return undefined;
      throw err;
    });
    if (present && present.length === body.length && digest(present) === want) {
      report.alreadyThere += 1;
      return;
    }
    await to.put(key, body);
    const back = await to.get(key);
    if (back.length !== body.length || digest(back) !== want)
      throw new Error(`read back ${back.length} bytes that differ from the ${body.length} written`);
    report.copied += 1;
    report.bytes += body.length;
  };

  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      try {
        await copyOne(key);
      } catch (err) {
        report.failed.push({ key, reason: err instanceof Error ? err.message : String(err) });
      }
      done += 1;
      if (done % 1000 === 0) onProgress?.(report);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return report;
}
