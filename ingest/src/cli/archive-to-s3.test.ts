import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchiveObject, sealArchiveObject } from '../archive/codec.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { createS3ArchiveStore } from '../archive/s3-store.ts';
import { startS3Server, type S3Server } from '../test/s3-server/server.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('./archive-to-s3.ts', import.meta.url));
const DATA_KEY = randomBytes(32);

let s3: S3Server;
let dir: string;

beforeAll(async () => {
  s3 = await startS3Server();
  dir = await mkdtemp(join(tmpdir(), 'vigil-archive-to-s3-'));
}, 30_000);

afterAll(async () => {
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The command as an operator runs it, in its own process, configured by the environment alone. */
async function archiveToS3(env: Record<string, string> = {}) {
  const config = s3.config();
  return run(process.execPath, ['--import', 'tsx', CLI, '--from', dir, '--concurrency', '3'], {
    env: {
      PATH: process.env.PATH ?? '',
      VIGIL_LOG_LEVEL: 'warn',
      VIGIL_ARCHIVE_S3_BUCKET: config.bucket,
      VIGIL_ARCHIVE_S3_PREFIX: 'moved',
      VIGIL_ARCHIVE_S3_ENDPOINT: config.endpoint!,
      VIGIL_ARCHIVE_S3_ACCESS_KEY_ID: config.credentials!.accessKeyId,
      VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY: config.credentials!.secretAccessKey,
      VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
      VIGIL_ARCHIVE_S3_REQUEST_TIMEOUT_MS: '2000',
      ...env,
    },
  });
}

const summary = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;

describe('npm run archive-to-s3', { timeout: 60_000 }, () => {
  it('copies a local archive into the bucket, verifies it, and a second run finds everything there', async () => {
    const local = createLocalArchiveStore(dir);
    const keys = [
      ...Array.from(
        { length: 12 },
        (_, i) => `study-1/abc${i % 3}/accel/${1_700_000_000_000 + i}.csv.0011223344556677`
      ),
      'study-2/rejected/3f0c4a1e-0000-4000-8000-000000000000.0011223344556677',
      'study-2/xyz/identifiers/1700000000.csv.8899aabbccddeeff',
    ];
    const plain = new Map(keys.map((k) => [k, randomBytes(2_000 + k.length)]));
    for (const [key, bytes] of plain) await local.put(key, await sealArchiveObject(DATA_KEY, bytes, key));

    const first = await archiveToS3();
    expect(summary(first.stdout)).toMatchObject({ objects: 14, copied: 14, alreadyThere: 0, failed: 0 });

    const bucket = createS3ArchiveStore(s3.client(), { bucket: s3.config().bucket, prefix: 'moved' });
    for (const [key, bytes] of plain) {
      expect((await bucket.get(key)).equals(await local.get(key))).toBe(true);
      expect((await openArchiveObject(DATA_KEY, await bucket.get(key), key)).equals(bytes)).toBe(true);
    }

    expect(summary((await archiveToS3()).stdout)).toMatchObject({
      objects: 14,
      copied: 0,
      alreadyThere: 14,
      failed: 0,
    });

    // An object cut short in the bucket (a copy stopped midway by hand, say) is found and copied again.
    await bucket.put(keys[0]!, (await local.get(keys[0]!)).subarray(0, 100));
    expect(summary((await archiveToS3()).stdout)).toMatchObject({ copied: 1, alreadyThere: 13, failed: 0 });
    expect((await bucket.get(keys[0]!)).equals(await local.get(keys[0]!))).toBe(true);
  });

  it('refuses to run without a bucket, and fails with the bucket unreachable', async () => {
    await expect(
      archiveToS3({
        VIGIL_ARCHIVE_S3_BUCKET: '',
        VIGIL_ARCHIVE_S3_ENDPOINT: '',
        VIGIL_ARCHIVE_S3_ACCESS_KEY_ID: '',
        VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY: '',
      })
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('set VIGIL_ARCHIVE_S3_BUCKET') as unknown,
    });
    s3.proxy.kill();
    try {
      await expect(archiveToS3()).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining('not writable') as unknown,
      });
    } finally {
      s3.proxy.restore();
    }
  });
});
