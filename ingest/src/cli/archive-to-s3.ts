import { parseArgs } from 'node:util';
import { z } from 'zod';
import { copyArchive } from '../archive/copy-archive.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { createS3ArchiveStore, createS3Client } from '../archive/s3-store.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';

const Options = z.object({
  from: z.string().min(1).optional(),
  concurrency: z.coerce.number().int().min(1).max(32).default(4),
});

/**
 * `npm run archive-to-s3 -w ingest [-- --from DIR] [--concurrency N]`: copies the local archive
 * (`VIGIL_ARCHIVE_DIR` unless `--from`) into the bucket `VIGIL_ARCHIVE_S3_*` names, verifying each
 * object read back. Safe to re-run: what is already there is skipped. Exits 1 when any object failed.
 */
async function main() {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const s3 = config.uploads.archiveS3;
  if (!s3) throw new Error('archive-to-s3: set VIGIL_ARCHIVE_S3_BUCKET (and the other VIGIL_ARCHIVE_S3_* keys) first');
  const { values } = parseArgs({ options: { from: { type: 'string' }, concurrency: { type: 'string' } } });
  const options = Options.safeParse(values);
  if (!options.success)
    throw new Error(`usage: archive-to-s3 [--from DIR] [--concurrency N]: ${options.error.message}`);
  const fromDir = options.data.from ?? config.uploads.archiveDir;

  const to = createS3ArchiveStore(createS3Client(s3), s3);
  await to.probe();
  log.info({ from: fromDir, bucket: s3.bucket, prefix: s3.prefix }, 'copying the archive');
  const started = performance.now();
  const report = await copyArchive(createLocalArchiveStore(fromDir), to, {
    concurrency: options.data.concurrency,
    onProgress: (r) => log.info({ ...r, failed: r.failed.length }, 'archive copy progress'),
  });
  const summary = {
    objects: report.objects,
    copied: report.copied,
    alreadyThere: report.alreadyThere,
    failed: report.failed.length,
    megabytes: Math.round(report.bytes / 1e5) / 10,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  for (const f of report.failed) log.error(f, 'object not copied');
  console.log(JSON.stringify(summary));
  if (report.failed.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
