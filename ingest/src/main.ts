import { mkdir } from 'node:fs/promises';
import { serve, type ServerType as Server } from '@hono/node-server';
import { migrateLatest } from '@vigil/migrations';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, parseMasterKeys } from './config.ts';
import { createDb, ensureDatabase } from './db.ts';
import { generateAdminSecret, generateMasterKey, loadOrCreateDevSecret } from './dev-secrets.ts';
import { scheduledJobs, startScheduler } from './jobs/schedule.ts';
import { createLogger, type Logger } from './log.ts';
import { createLocalArchiveStore, sweepTempFiles } from './archive/local-store.ts';
import { createS3ArchiveStore, createS3Client } from './archive/s3-store.ts';
import type { ArchiveStore } from './archive/store.ts';
import { createUploadArchive } from './uploads/archive.ts';
import { startUploadWorkers } from './uploads/worker.ts';
import { currentDeviceSettings } from './study-config/device-settings-store.ts';
import { maintainMotionTables } from './streams/maintenance.ts';
import { createStreamProcessor } from './streams/processor.ts';
import { createFeatureProcessor } from './features/processor.ts';
import { createMailer } from './sync-alerts/mailer.ts';
import { createVault } from './vault/vault.ts';
import type { Config, MasterKey } from './config.ts';
import { KEEP_ALIVE_TIMEOUT_MS } from './http/keep-alive.ts';
import { createMetrics, watchEventLoop, watchQueue } from './metrics/metrics.ts';
import { metricsApp } from './metrics/routes.ts';

/** Far above the longest archive write (a 128 MB upload takes seconds), so no write in flight is swept. */
const TEMP_FILE_MIN_AGE_MS = 15 * 60_000;

/** The composition root: the only place that reads the environment and owns process lifetime. */
async function main() {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);

  const masterKeys = config.masterKeys ?? (await devMasterKey(config.dataDir, log));
  const adminSecret = config.adminSecret ?? (await devAdminSecret(config.dataDir, log));
  const vault = createVault(masterKeys);

  await ensureDatabase(config.db);
  // A migration may rewrite a large table: its own pool, with no query timeout.
  const setup = createDb(config.db, { log, queryTimeoutMs: 0 });
  try {
    const applied = await migrateLatest(setup);
    log.info({ database: config.db.database, applied }, 'schema current');
    // Before serving: a row must never arrive for a day whose partition is still being split off.
    log.info(await maintainMotionTables(setup, new Date(), config.retention.motionDays), 'motion tables maintained');
  } finally {
    await setup.destroy();
  }
  const db = createDb(config.db, { log });

  const clock = () => new Date();
  const store = await openArchiveStore(config, log);
  const archive = createUploadArchive({ db, vault, store });
  const mailer = createMailer(config.mail);
  if (!mailer.enabled) log.warn('VIGIL_SMTP_URL is not set: staff e-mail (sync-health digests) is off');
  const metrics = createMetrics();
  const loopLag = watchEventLoop(metrics);
  watchQueue(metrics, db, clock);
  const roles = new Set(config.roles);
  log.info({ roles: [...roles] }, 'roles');

  const servers: Server[] = [];
  if (roles.has('web')) {
    const app = createApp({ config, db, log, vault, adminSecret, clock, archive, mailer, metrics });
    const server = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port }, (info) =>
      log.info({ host: info.address, port: info.port }, 'ingest listening')
    );
    if ('keepAliveTimeout' in server) {
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
    }
    servers.push(server);
  }
  if (config.metrics.port > 0) {
    servers.push(
      serve({ fetch: metricsApp(metrics).fetch, hostname: config.metrics.host, port: config.metrics.port }, (info) =>
        log.info({ host: info.address, port: info.port }, 'metrics listening')
      )
    );
  }
  const scheduler = roles.has('scheduler')
    ? startScheduler(scheduledJobs({ db, clock, config, vault, log, mailer, archive, metrics }), log, db)
    : undefined;
  const processors = [
    createStreamProcessor({ clock, settingsFor: currentDeviceSettings }),
    createFeatureProcessor({ clock }),
  ];
  const workers = roles.has('worker')
    ? startUploadWorkers({ db, vault, archive, log, clock, config, processors, metrics })
    : undefined;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new requests, finishing in-flight work');
    const force = setTimeout(() => {
      log.warn('in-flight work did not finish in time; closing connections');
      for (const server of servers) if ('closeAllConnections' in server) server.closeAllConnections();
    }, config.http.shutdownTimeoutMs);
    force.unref();
    await Promise.all([
      ...servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      scheduler?.stop(),
      workers?.stop(),
    ]);
    loopLag.stop();
    await db.destroy();
    log.info('stopped');
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutdown(signal));
  }
}

/** The bucket when one is configured, else the local folder (its crash leftovers swept first). */
async function openArchiveStore(config: Config, log: Logger): Promise<ArchiveStore> {
  const s3 = config.uploads.archiveS3;
  if (s3) {
    log.info({ bucket: s3.bucket, prefix: s3.prefix, endpoint: s3.endpoint }, 'archive in S3 bucket');
    return createS3ArchiveStore(createS3Client(s3), s3);
  }
  // A process killed mid-write leaves temp files; another process's write in flight is far younger.
  await mkdir(config.uploads.archiveDir, { recursive: true, mode: 0o700 });
  const swept = await sweepTempFiles(config.uploads.archiveDir, TEMP_FILE_MIN_AGE_MS);
  log.info({ swept }, 'archive temp files left by a crash removed');
  return createLocalArchiveStore(config.uploads.archiveDir, { minFreeBytes: config.uploads.archiveMinFreeBytes });
}

async function devMasterKey(dataDir: string, log: Logger): Promise<MasterKey[]> {
  const { value, path, created } = await loadOrCreateDevSecret(dataDir, 'master.key', generateMasterKey);
  log.warn(
    { path },
    created
      ? 'VIGIL_MASTER_KEY is not set: generated a development master key'
      : 'VIGIL_MASTER_KEY is not set: using the development master key'
  );
  return parseMasterKeys(value);
}

async function devAdminSecret(dataDir: string, log: Logger): Promise<string> {
  const { value, path, created } = await loadOrCreateDevSecret(dataDir, 'admin-secret', generateAdminSecret);
  log.warn(
    { path },
    created
      ? 'VIGIL_ADMIN_SECRET is not set: generated a development secret'
      : 'VIGIL_ADMIN_SECRET is not set: using the development secret'
  );
  return value;
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
