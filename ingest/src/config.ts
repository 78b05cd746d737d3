import { z } from 'zod';
import { ArchiveS3Env, archiveS3Config, archiveS3EnvProblems } from './archive/config.ts';
import { ProviderEnv, providerEnvProblems, wearablesConfig } from './providers/config.ts';

/**
 * The one place the environment is read. Every key is documented in `.env.example`;
 * `loadConfig` reports every bad or missing key at once, with what it expects.
 */

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** `id:base64` — a key id (kept beside every ciphertext) and 32 random bytes. */
const MasterKeyEntry = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/, 'expected id:base64 of 32 bytes, e.g. k1:<44 base64 characters>')
  .transform((entry) => {
    const [id, key] = entry.split(':') as [string, string];
    return { id, key: Buffer.from(key, 'base64') };
  });

const MasterKeyList = z
  .string()
  .transform((s) => s.split(',').filter((part) => part.trim() !== ''))
  .pipe(z.array(MasterKeyEntry).min(1, 'expected at least one key'))
  .refine((keys) => new Set(keys.map((k) => k.id)).size === keys.length, 'key ids must be unique');

/** What a process does; an operator runs N `web` processes behind the proxy and M `worker` ones. */
export const ROLES = ['web', 'worker', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

const RoleList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
  )
  .pipe(
    z
      .array(z.enum(ROLES, { message: `expected a comma-separated list of ${ROLES.join(', ')}` }))
      .min(1, `expected at least one of ${ROLES.join(', ')}`)
  )
  .refine((roles) => new Set(roles).size === roles.length, 'each role at most once');

const blankAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const Env = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  VIGIL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VIGIL_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  VIGIL_HTTP_PORT: port.default(8080),
  VIGIL_SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  VIGIL_ROLES: RoleList.default([...ROLES]),
  VIGIL_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  VIGIL_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  VIGIL_DB_HOST: z.string().min(1).default('127.0.0.1'),
  VIGIL_DB_PORT: port.default(3306),
  VIGIL_DB_USER: z.string().min(1).default('root'),
  VIGIL_DB_PASSWORD: z.string().default(''),
  VIGIL_DB_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/, 'expected 1-64 letters, digits or underscores')
    .default('vigil'),
  // At least two: a maintenance task holds a named lock on one connection while working on another.
  VIGIL_DB_POOL_MAX: z.coerce.number().int().min(2).max(100).default(10),
  VIGIL_DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  VIGIL_DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  VIGIL_DB_LOCK_WAIT_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  VIGIL_DATA_DIR: z.string().min(1).default('./data'),
  VIGIL_MASTER_KEY: z.preprocess(blankAsUndefined, MasterKeyList.optional()),
  VIGIL_ADMIN_SECRET: z.preprocess(
    blankAsUndefined,
    z.string().min(32, 'expected at least 32 characters (e.g. openssl rand -hex 32)').optional()
  ),
  VIGIL_PUBLIC_URL: z
    .url({
      protocol: /^https?$/,
      message: 'expected the http(s) URL phones and patients use, e.g. https://vigil.example.org',
    })
    .default('http://localhost:8080'),
  VIGIL_ANDROID_APK_URL: z.preprocess(
    blankAsUndefined,
    z.url({ protocol: /^https?$/, message: 'expected the http(s) URL of the Beiwe Android APK' }).optional()
  ),
  VIGIL_UPLOAD_MAX_BYTES: positiveInt.default(128 * 1024 * 1024),
  VIGIL_UNAUTHENTICATED_MAX_BYTES: positiveInt.min(4096).default(64 * 1024),
  VIGIL_DATA_ACCESS_MAX_BYTES: positiveInt.default(16 * 1024 * 1024),
  VIGIL_ADMIN_MAX_BYTES: positiveInt.default(16 * 1024 * 1024),
  VIGIL_TRUST_PROXY: z.stringbool().default(false),
  VIGIL_RATE_FAILURE_WINDOW_SECONDS: positiveInt.default(15 * 60),
  VIGIL_RATE_CREDENTIAL_FAILURES: positiveInt.default(10),
  VIGIL_RATE_ADDRESS_FAILURES: positiveInt.default(30),
  VIGIL_RATE_REQUEST_WINDOW_SECONDS: positiveInt.default(60),
  VIGIL_RATE_PHONE_REQUESTS: positiveInt.default(1200),
  VIGIL_RATE_PUBLIC_REQUESTS: positiveInt.default(600),
  VIGIL_ARCHIVE_DIR: z.string().min(1).optional(),
  VIGIL_ARCHIVE_MIN_FREE_MB: z.coerce.number().int().min(0).default(512),
  VIGIL_WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(16).default(2),
  VIGIL_WORKER_BATCH_SIZE: positiveInt.max(500).default(100),
  VIGIL_WORKER_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  VIGIL_JOB_MAX_ATTEMPTS: positiveInt.max(100).default(5),
  VIGIL_JOB_LEASE_SECONDS: positiveInt.default(300),
  VIGIL_RETENTION_DAYS: positiveInt.max(3650).default(30),
  VIGIL_MOTION_RETENTION_DAYS: z.preprocess(blankAsUndefined, positiveInt.optional()),
  VIGIL_PURGE_SCHEDULE: z.string().min(1).default('17 3 * * *'),
  VIGIL_WEARABLES_DAILY_PULL_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour), e.g. 00:00')
    .default('00:00'),
  VIGIL_WEARABLES_INCREMENTAL_MINUTES: z.coerce.number().int().min(0).max(1440).default(60),
  VIGIL_WEARABLES_BACKFILL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  VIGIL_WEARABLES_PULL_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  VIGIL_WEARABLES_NOTIFICATIONS: z.stringbool().default(false),
  VIGIL_WEARABLES_NOTIFIED_INCREMENTAL_MINUTES: z.coerce.number().int().min(0).max(1440).default(360),
  VIGIL_WEARABLES_NOTIFY_REPLAY_HOURS: z.coerce.number().int().min(1).max(720).default(168),
  VIGIL_WEARABLES_POLAR_MIN_MINUTES: z.coerce.number().int().min(0).max(1440).default(180),
  VIGIL_WEARABLES_LISTING_SAFETY_NET_MINUTES: z.coerce.number().int().min(60).max(10_080).default(720),
  VIGIL_WEARABLES_WITHINGS_MIN_MINUTES: z.coerce.number().int().min(0).max(1440).default(180),
  VIGIL_WEARABLES_FITBIT_MIN_MINUTES: z.coerce.number().int().min(0).max(1440).default(0),
  VIGIL_SMTP_URL: z.preprocess(
    blankAsUndefined,
    z.url({ protocol: /^smtps?$/, message: 'expected smtp://user:password@host:587 or smtps://…:465' }).optional()
  ),
  VIGIL_MAIL_FROM: z.string().min(1).default('Vigil <vigil@localhost>'),
  VIGIL_SYNC_STALE_DAYS: z.coerce.number().int().min(1).max(365).default(3),
  VIGIL_SYNC_REMINDER_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  VIGIL_SYNC_EXPIRY_WARNING_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  VIGIL_SYNC_CHECK_SCHEDULE: z.string().min(1).default('0 7 * * *'),
  VIGIL_FCM_BASE_URL: z
    .url({ protocol: /^https?$/, message: 'expected the http(s) base URL of the FCM HTTP v1 API' })
    .default('https://fcm.googleapis.com'),
  VIGIL_GOOGLE_OAUTH_BASE_URL: z
    .url({ protocol: /^https?$/, message: "expected the http(s) base URL of Google's OAuth token endpoint" })
    .default('https://oauth2.googleapis.com'),
  VIGIL_PUSH_GRACE_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
  ...ArchiveS3Env,
  ...ProviderEnv,
});

/** Every key the ingest reads; `.env.example` documents exactly these (a test checks). */
export const CONFIG_KEYS: readonly string[] = Object.keys(Env.shape);

/** Checked beside the schema (not in it) so they are reported even when other keys are bad too. */
const REQUIRED_IN_PRODUCTION = ['VIGIL_MASTER_KEY', 'VIGIL_ADMIN_SECRET'] as const;

export type MasterKey = { readonly id: string; readonly key: Buffer };

/** Parses a `VIGIL_MASTER_KEY` value (also used for the generated development key). */
export function parseMasterKeys(value: string): MasterKey[] {
  return MasterKeyList.parse(value);
}

export type Config = ReturnType<typeof shape>;

function shape(env: z.infer<typeof Env>) {
  return {
    env: env.NODE_ENV,
    logLevel: env.VIGIL_LOG_LEVEL,
    http: { host: env.VIGIL_HTTP_HOST, port: env.VIGIL_HTTP_PORT, shutdownTimeoutMs: env.VIGIL_SHUTDOWN_TIMEOUT_MS },
    /** `web` serves HTTP, `worker` processes uploads, `scheduler` runs the recurring jobs (wearable pulls among them). */
    roles: env.VIGIL_ROLES as readonly Role[],
    /** Prometheus `/metrics` on its own listener, never behind the public proxy; port 0 turns it off. */
    metrics: { host: env.VIGIL_METRICS_HOST, port: env.VIGIL_METRICS_PORT },
    db: {
      host: env.VIGIL_DB_HOST,
      port: env.VIGIL_DB_PORT,
      user: env.VIGIL_DB_USER,
      password: env.VIGIL_DB_PASSWORD,
      database: env.VIGIL_DB_NAME,
      poolMax: env.VIGIL_DB_POOL_MAX,
      /** Connecting (TCP and handshake) gives up after this. */
      connectTimeoutMs: env.VIGIL_DB_CONNECT_TIMEOUT_MS,
      /** A statement with no answer after this fails (503), and its connection is dropped. */
      queryTimeoutMs: env.VIGIL_DB_QUERY_TIMEOUT_MS,
      /** How long a statement waits for a row lock before MariaDB gives up (innodb_lock_wait_timeout). */
      lockWaitSeconds: env.VIGIL_DB_LOCK_WAIT_SECONDS,
    },
    dataDir: env.VIGIL_DATA_DIR,
    /** First key encrypts; all keys decrypt. Undefined only outside production (main generates one). */
    masterKeys: env.VIGIL_MASTER_KEY as readonly MasterKey[] | undefined,
    adminSecret: env.VIGIL_ADMIN_SECRET,
    retention: {
      days: env.VIGIL_RETENTION_DAYS,
      purgeSchedule: env.VIGIL_PURGE_SCHEDULE,
      /** Raw 10 Hz motion rows older than this are dropped, whole days at a time; unset keeps everything. */
      motionDays: env.VIGIL_MOTION_RETENTION_DAYS,
    },
    /** Wearable providers (a provider without a client id is unavailable) and connect links. */
    wearables: wearablesConfig(env),
    /** The base URL the Beiwe apps and patients are given (enrolment sheets, connect links). */
    publicUrl: env.VIGIL_PUBLIC_URL.replace(/\/+$/, ''),
    /** Where `GET /download` sends phones for the Android app; unset, Vigil offers none. */
    androidApkUrl: env.VIGIL_ANDROID_APK_URL,
    /**
     * Request bodies, enforced while they arrive: what anyone may send before their credentials
     * are known (and all a phone's non-upload call may send), then each family's limit.
     */
    bodies: {
      unauthenticatedMaxBytes: env.VIGIL_UNAUTHENTICATED_MAX_BYTES,
      dataAccessMaxBytes: env.VIGIL_DATA_ACCESS_MAX_BYTES,
      adminMaxBytes: env.VIGIL_ADMIN_MAX_BYTES,
    },
    /** Guessing and flooding limits, counted in the database so every ingest process shares them. */
    rateLimits: {
      /** Take the client's address from the last X-Forwarded-For entry (the proxy in front adds it). */
      trustProxy: env.VIGIL_TRUST_PROXY,
      failureWindowSeconds: env.VIGIL_RATE_FAILURE_WINDOW_SECONDS,
      /** Wrong passwords per patient id, or wrong secrets per access key, before a lockout of one window. */
      credentialFailures: env.VIGIL_RATE_CREDENTIAL_FAILURES,
      /** Failed authentications per address and endpoint family before the address is refused for a window. */
      addressFailures: env.VIGIL_RATE_ADDRESS_FAILURES,
      requestWindowSeconds: env.VIGIL_RATE_REQUEST_WINDOW_SECONDS,
      /** Requests per address per request window: phone endpoints, and data-access/connect/OAuth pages. */
      phoneRequests: env.VIGIL_RATE_PHONE_REQUESTS,
      publicRequests: env.VIGIL_RATE_PUBLIC_REQUESTS,
    },
    uploads: {
      /** Only a request naming a known patient id may send this much. */
      maxBytes: env.VIGIL_UPLOAD_MAX_BYTES,
      archiveDir: env.VIGIL_ARCHIVE_DIR ?? `${env.VIGIL_DATA_DIR.replace(/\/+$/, '')}/archive`,
      /** Below this much free space on the archive's disk, `/readyz` reports the archive unhealthy. */
      archiveMinFreeBytes: env.VIGIL_ARCHIVE_MIN_FREE_MB * 1_048_576,
      /** With a bucket, the archive lives there instead of `archiveDir` (objects sealed the same way). */
      archiveS3: archiveS3Config(env),
    },
    worker: {
      /** Upload-processing loops in this process; 0 runs none (acknowledge only). */
      concurrency: env.VIGIL_WORKER_CONCURRENCY,
      /** Jobs a worker claims and commits together; small uploads cost a few statements each instead of a few transactions. */
      batchSize: env.VIGIL_WORKER_BATCH_SIZE,
      /**
       * After a batch short of `batchSize`, a loop waits this long before claiming again, so under
       * a trickle of uploads a batch gathers what arrived meanwhile: an upload waits at most this
       * much longer to be processed (its 200 does not wait at all).
       */
      batchWaitMs: env.VIGIL_WORKER_BATCH_WAIT_MS,
      maxAttempts: env.VIGIL_JOB_MAX_ATTEMPTS,
      leaseMs: env.VIGIL_JOB_LEASE_SECONDS * 1000,
    },
    /** Wearable data pulls: daily at this local time (each study's zone), incrementally every N minutes (0: never). */
    wearablePulls: {
      dailyPullTime: env.VIGIL_WEARABLES_DAILY_PULL_TIME,
      incrementalMinutes: env.VIGIL_WEARABLES_INCREMENTAL_MINUTES,
      backfillDays: env.VIGIL_WEARABLES_BACKFILL_DAYS,
      /** Pull jobs this process runs at once (the rate-limit budgets are shared between them). */
      concurrency: env.VIGIL_WEARABLES_PULL_CONCURRENCY,
      /**
       * Vendor notifications (Withings notify, Polar's webhook, Google's subscriber): when on,
       * Withings connections are subscribed on connect, and a connection notifications cover is
       * polled every `incrementalMinutes` instead (a safety net). A notification seen again within
       * the replay window enqueues nothing.
       */
      notifications: {
        enabled: env.VIGIL_WEARABLES_NOTIFICATIONS,
        incrementalMinutes: env.VIGIL_WEARABLES_NOTIFIED_INCREMENTAL_MINUTES,
        replayWindowMs: env.VIGIL_WEARABLES_NOTIFY_REPLAY_HOURS * 3_600_000,
      },
      /**
       * A vendor's connections are pulled by the schedule or a notification at most once in this
       * many minutes (daily, backfill and admin pulls are not held back): a quota shared by the
       * whole app (Polar's 100 calls a user a day, Withings' 120 a minute) then holds at clinic
       * scale. What it allows is `GET /api/v1/wearables/capacity`.
       */
      minMinutes: {
        fitbit: env.VIGIL_WEARABLES_FITBIT_MIN_MINUTES,
        withings: env.VIGIL_WEARABLES_WITHINGS_MIN_MINUTES,
        polar: env.VIGIL_WEARABLES_POLAR_MIN_MINUTES,
      },
      /**
       * For a vendor that lists its users with new data (`Vendor.listing`: Polar's pull
       * notifications), while its notifications do not cover the client: only the listed users are
       * pulled incrementally; every other connection is still pulled once this many minutes have
       * passed since its last pull (a safety net for what the list never names; Polar's: sleep,
       * heart rate, Nightly Recharge, SleepWise, biosensing).
       */
      listingSafetyNetMinutes: env.VIGIL_WEARABLES_LISTING_SAFETY_NET_MINUTES,
    },
    /** Outgoing mail; no SMTP URL turns sending off (the sync check still records its episodes). */
    mail: { smtpUrl: env.VIGIL_SMTP_URL, from: env.VIGIL_MAIL_FROM },
    /**
     * The daily sync-health check: stale after N days without a device sync, re-reported every M
     * days; a consent that no refresh can renew (Polar's token) is listed this many days ahead.
     */
    syncAlerts: {
      staleDays: env.VIGIL_SYNC_STALE_DAYS,
      reminderDays: env.VIGIL_SYNC_REMINDER_DAYS,
      expiryWarningDays: env.VIGIL_SYNC_EXPIRY_WARNING_DAYS,
      schedule: env.VIGIL_SYNC_CHECK_SCHEDULE,
    },
    /**
     * Survey pushes and wake-ups through Firebase (credentials in the admin API). The base URLs are
     * Google's unless a test or a proxy stands in; a push due longer ago than the grace period (a
     * process was down) is recorded as skipped instead of sent late.
     */
    push: {
      fcmBaseUrl: env.VIGIL_FCM_BASE_URL.replace(/\/+$/, ''),
      oauthBaseUrl: env.VIGIL_GOOGLE_OAUTH_BASE_URL.replace(/\/+$/, ''),
      graceMs: env.VIGIL_PUSH_GRACE_MINUTES * 60_000,
    },
  } as const;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = Env.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => describeIssue(issue, env));
  if (env.NODE_ENV === 'production') {
    for (const key of REQUIRED_IN_PRODUCTION) {
      if ((env[key] ?? '').trim() === '') problems.push(`${key}: required when NODE_ENV=production (it is missing)`);
    }
  }
  problems.push(...archiveS3EnvProblems(env));
  problems.push(...providerEnvProblems(env));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(shape(parsed.data));
}

function describeIssue(issue: z.core.$ZodIssue, env: Readonly<Record<string, string | undefined>>): string {
  const key = String(issue.path[0] ?? '(environment)');
  const got = env[key];
  // An SMTP URL carries its password.
  const secret = /SECRET|KEY|PASSWORD|SMTP_URL/.test(key);
  const shown =
    got === undefined ? 'it is missing' : secret ? 'the value given does not match' : `got ${JSON.stringify(got)}`;
  return `${key}: ${issue.message} (${shown})`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
