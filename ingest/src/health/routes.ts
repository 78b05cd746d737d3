import { pendingMigrations } from '@vigil/migrations';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { AppError } from '../errors.ts';

/** `/readyz` answers within this, whatever hangs: an orchestrator's probe gives up soon after. */
const READY_WITHIN_MS = 800;

const TIMED_OUT = Symbol('timed out');

/**
 * `/healthz`: the process answers. `/readyz`: it can do its job — the database answers with the
 * schema current, and the archive takes a durable write with room to spare — or 503 with each reason.
 */
export function healthRoutes({ db, log, archive }: AppDeps) {
  const database = async (): Promise<string | undefined> => {
    const pending = await pendingMigrations(db);
    return pending.length > 0 ? `migrations pending: ${pending.join(', ')}` : undefined;
  };
  const archiveHealth = async (): Promise<string | undefined> => {
    await archive.store.probe();
    return undefined;
  };
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const [dbProblem, archiveProblem] = await Promise.all([
        check(database, 'database unreachable', 'database did not answer within'),
        check(archiveHealth, 'archive unhealthy', 'archive did not answer within'),
      ]);
      const reasons = [dbProblem, archiveProblem].filter((r): r is string => r !== undefined);
      if (reasons.length === 0) return c.json({ status: 'ready' });
      log.warn({ reasons }, 'not ready');
      return c.json({ status: 'not ready', reasons }, 503);
    });
}

/** The check's problem, its failure as `failed: message`, or `slow N ms` when it does not settle in time. */
async function check(
  run: () => Promise<string | undefined>,
  failed: string,
  slow: string
): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), READY_WITHIN_MS);
  });
  try {
    const result = await Promise.race([run(), deadline]);
    return result === TIMED_OUT ? `${slow} ${READY_WITHIN_MS} ms` : result;
  } catch (err) {
    return `${failed}: ${describe(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Our own errors say what is wrong; a driver's code (ECONNREFUSED, …) says enough without its details. */
function describe(err: unknown): string {
  if (err instanceof AppError) return err.message;
  // Knex's own words blame the caller; here every pooled connection is waiting on the database.
  if (err instanceof Error && err.name === 'KnexTimeoutError') return 'no pooled connection came free in time';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}
