import { ConfigError, loadConfig } from '../config.ts';
import { createDb } from '../db.ts';
import { createLogger } from '../log.ts';
import { rebuildSummaries } from '../streams/rebuild.ts';
import { currentDeviceSettings } from '../study-config/device-settings-store.ts';

/** `npm run rebuild-summaries [-- <participant id>]`: recompute rollups and data quantity from the raw tables. */
async function main() {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const participant = process.argv[2];
  if (participant !== undefined && !/^\d+$/.test(participant))
    throw new Error(`expected a participant id, got ${participant}`);
  // Rebuilding a long history is a few long statements: no query timeout.
  const db = createDb(config.db, { log, queryTimeoutMs: 0 });
  try {
    const started = performance.now();
    const result = await rebuildSummaries(
      db,
      currentDeviceSettings,
      participant ? { participantId: Number(participant) } : {}
    );
    log.info({ ...result, ms: Math.round(performance.now() - started) }, 'summaries rebuilt');
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
