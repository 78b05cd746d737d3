import { z } from 'zod';

/**
 * The S3 archive's configuration keys, merged into the one environment schema in `config.ts`. No
 * bucket keeps the archive in the local folder; a bucket moves it to S3-compatible storage.
 */

const optionalText = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z.string().trim().min(1).optional()
);

// A bucket prefix is a folder path made of what archive keys are made of, so no key can escape it.
const PREFIX = /^([A-Za-z0-9_-][A-Za-z0-9._-]*)(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

export const ArchiveS3Env = {
  VIGIL_ARCHIVE_S3_BUCKET: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .trim()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'expected an S3 bucket name (3-63 lowercase letters, digits, . or -)'
      )
      .optional()
  ),
  VIGIL_ARCHIVE_S3_PREFIX: z
    .string()
    .trim()
    .transform((v) => v.replace(/^\/+|\/+$/g, ''))
    .refine((v) => v === '' || PREFIX.test(v), 'expected a folder path such as vigil/archive')
    .default(''),
  VIGIL_ARCHIVE_S3_ENDPOINT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.url({ protocol: /^https?$/, message: 'expected an http(s) URL, e.g. https://s3.example.org' }).optional()
  ),
  VIGIL_ARCHIVE_S3_REGION: z.string().trim().min(1).default('us-east-1'),
  VIGIL_ARCHIVE_S3_ACCESS_KEY_ID: optionalText,
  VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY: optionalText,
  VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE: z.stringbool().default(false),
  VIGIL_ARCHIVE_S3_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
};

type ArchiveS3Env = z.infer<z.ZodObject<typeof ArchiveS3Env>>;

export type ArchiveS3Config = NonNullable<ReturnType<typeof archiveS3Config>>;

/** Undefined when no bucket is configured (the archive stays in the local folder). */
export function archiveS3Config(env: ArchiveS3Env) {
  if (env.VIGIL_ARCHIVE_S3_BUCKET === undefined) return undefined;
  const id = env.VIGIL_ARCHIVE_S3_ACCESS_KEY_ID;
  const secret = env.VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY;
  return {
    bucket: env.VIGIL_ARCHIVE_S3_BUCKET,
    /** Every object's key starts with this folder (empty: the bucket's root). */
    prefix: env.VIGIL_ARCHIVE_S3_PREFIX,
    /** Unset: AWS's own endpoint for the region. */
    endpoint: env.VIGIL_ARCHIVE_S3_ENDPOINT,
    region: env.VIGIL_ARCHIVE_S3_REGION,
    /** Unset: the SDK's default chain (AWS_* variables, shared config, instance or task role). */
    credentials: id !== undefined && secret !== undefined ? { accessKeyId: id, secretAccessKey: secret } : undefined,
    /** `endpoint/bucket/key` rather than `bucket.endpoint/key` (MinIO, Ceph and most self-hosted servers). */
    forcePathStyle: env.VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE,
    /** A request whose connection stays silent this long fails (and is retried by the SDK, then 503). */
    requestTimeoutMs: env.VIGIL_ARCHIVE_S3_REQUEST_TIMEOUT_MS,
  };
}

export function archiveS3EnvProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const set = (key: string) => (env[key] ?? '').trim() !== '';
  const id = 'VIGIL_ARCHIVE_S3_ACCESS_KEY_ID';
  const secret = 'VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY';
  const problems: string[] = [];
  if (set(id) && !set(secret)) problems.push(`${secret}: required when ${id} is set (it is missing)`);
  if (set(secret) && !set(id)) problems.push(`${id}: required when ${secret} is set (it is missing)`);
  // An endpoint or credentials without a bucket would silently leave the archive on local disk.
  const stray = ['VIGIL_ARCHIVE_S3_ENDPOINT', id, secret].filter(set);
  if (!set('VIGIL_ARCHIVE_S3_BUCKET') && stray.length > 0)
    problems.push(`VIGIL_ARCHIVE_S3_BUCKET: required when ${stray.join(', ')} is set (it is missing)`);
  return problems;
}
