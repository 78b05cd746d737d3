import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ArchiveS3Config } from './config.ts';
import { ArchiveKeyNotFoundError, ArchiveUnavailableError, assertValidArchiveKey } from './store.ts';
import type { ArchiveStore } from './store.ts';

/** Above this a body goes up in parts (several in flight, each retried alone) rather than one PUT. */
const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
// Archive keys may not start with '.', so the probe can never overwrite or be listed as an object.
const PROBE_KEY = '.vigil-probe';

export function createS3Client(config: ArchiveS3Config): S3Client {
  return new S3Client({
    region: config.region,
    ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    forcePathStyle: config.forcePathStyle,
    // A copy: the config is frozen, and the SDK marks the credentials object it is given.
    ...(config.credentials && { credentials: { ...config.credentials } }),
    requestHandler: {
      connectionTimeout: Math.min(config.requestTimeoutMs, 5_000),
      requestTimeout: config.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}

/**
 * An `ArchiveStore` in an S3 bucket, each key under `prefix/`. S3 has no folders: a folder is the
 * keys sharing its prefix, so `removeFolder` only reports whether any are left. A `put` resolves once
 * S3 answered the PUT (or the multipart upload's completion), which S3 gives only once the object is
 * stored durably; a put that fails part-way leaves no object (lib-storage aborts the multipart upload).
 * Every failure but a missing object is an `ArchiveUnavailableError`: the bucket down, refusing us
 * (credentials, permissions) or slow all mean "try again later" to a phone.
 */
export function createS3ArchiveStore(
  client: S3Client,
  { bucket, prefix }: { bucket: string; prefix: string }
): ArchiveStore {
  const base = prefix === '' ? '' : `${prefix}/`;
  const objectKey = (key: string) => {
    assertValidArchiveKey(key);
    return `${base}${key}`;
  };

  /** Every key (or with `delimiter`, every folder name) under the bucket folder `under`, page by page. */
  const listAll = async (under: string, delimiter?: '/'): Promise<string[]> => {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: under,
          ...(delimiter && { Delimiter: delimiter }),
          ...(token !== undefined && { ContinuationToken: token }),
        })
      );
      if (delimiter) {
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix) found.push(p.Prefix.slice(under.length, -1));
      } else {
        for (const o of page.Contents ?? []) if (o.Key) found.push(o.Key.slice(base.length));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return found;
  };

  return {
    async put(key, body) {
      const Key = objectKey(key);
      try {
        if (body.length <= MULTIPART_THRESHOLD_BYTES) {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body }));
        } else {
          await new Upload({
            client,
            params: { Bucket: bucket, Key, Body: body },
            partSize: PART_BYTES,
            queueSize: PARTS_IN_FLIGHT,
          }).done();
        }
      } catch (err) {
        throw unavailable(`could not store archive object ${key}`, err);
      }
    },

    async get(key) {
      const Key = objectKey(key);
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        if (!object.Body) throw new Error('GetObject returned no body');
        return Buffer.from(await object.Body.transformToByteArray());
      } catch (err) {
        if (isMissing(err)) throw new ArchiveKeyNotFoundError(key);
        throw unavailable(`could not read archive object ${key}`, err);
      }
    },

    async exists(key) {
      const Key = objectKey(key);
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
        return true;
      } catch (err) {
        if (isMissing(err)) return false;
        throw unavailable(`could not check archive object ${key}`, err);
      }
    },

    async delete(key) {
      const Key = objectKey(key);
      try {
        // S3 answers 204 for a missing key too.
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
      } catch (err) {
        throw unavailable(`could not delete archive object ${key}`, err);
      }
    },

    async list(folder) {
      const under = `${objectKey(folder)}/`;
      try {
        return await listAll(under);
      } catch (err) {
        throw unavailable(`could not list archive folder ${folder}`, err);
      }
    },

    async folders(folder) {
      const under = folder === undefined ? base : `${objectKey(folder)}/`;
      try {
        return await listAll(under, '/');
      } catch (err) {
        throw unavailable(`could not list archive folder ${folder ?? '(root)'}`, err);
      }
    },

    async removeFolder(folder) {
      const under = `${objectKey(folder)}/`;
      try {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: under, MaxKeys: 1 }));
        return (page.KeyCount ?? page.Contents?.length ?? 0) === 0;
      } catch (err) {
        throw unavailable(`could not list archive folder ${folder}`, err);
      }
    },

    async probe() {
      // A write, not a HEAD: read-only credentials or a full or locked bucket answer a HEAD but lose uploads.
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${base}${PROBE_KEY}`, Body: 'probe' }));
      } catch (err) {
        throw unavailable(`archive bucket ${bucket} is not writable`, err);
      }
    },
  };
}

function isMissing(err: unknown): boolean {
  return (
    err instanceof S3ServiceException &&
    (err.name === 'NoSuchKey' || err.name === 'NotFound') &&
    err.$metadata.httpStatusCode === 404
  );
}

/** S3's error name (AccessDenied, NoSuchBucket, SlowDown, …) or the socket's code (ECONNREFUSED, …). */
function unavailable(message: string, err: unknown): ArchiveUnavailableError {
  const code =
    err instanceof S3ServiceException
      ? err.name
      : err instanceof Error && 'code' in err && typeof err.code === 'string'
        ? err.code
        : err instanceof Error
          ? err.name
          : undefined;
  return new ArchiveUnavailableError(code ? `${message}: ${code}` : message, code, { cause: err });
}
