import { z } from 'zod';
import { ConfigError, loadConfig } from '../config.ts';
import { createDb } from '../db.ts';
import { rebuildFeatures } from '../features/rebuild.ts';
import { createLogger } from '../log.ts';

const Args = z.tuple([
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'from: YYYY-MM-DD'),
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'to: YYYY-MM-DD'),
  z.string().regex(/^\d+$/, 'participant id: digits').optional(),
]);

/**
 * `npm run rebuild-features -- <from> <to> [<participant id>]`: recompute the daily features of local
 * days in [from, to], walking included (found again in the raw accelerometer still kept).
 */
async function main() {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const parsed = Args.safeParse(process.argv.slice(2));
  if (!parsed.success)
    throw new Error(`usage: rebuild-features <from> <to> [<participant id>]: ${parsed.error.message}`);
  const [from, to, participant] = parsed.data;
  const db = createDb(config.db, { log, queryTimeoutMs: 0 });
  try {
    const started = performance.now();
    const result = await rebuildFeatures(db, {
      from,
      to,
      now: new Date(),
      walking: true,
      ...(participant ? { participantId: Number(participant) } : {}),
    });
    log.info({ ...result, ms: Math.round(performance.now() - started) }, 'features rebuilt');
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
