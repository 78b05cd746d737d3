import { pendingMigrations } from '@vigil/migrations';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.ts';

/** `/healthz`: the process answers. `/readyz`: it can do its job (database reachable, schema current). */
export function healthRoutes({ db, log }: AppDeps) {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      try {
        const pending = await pendingMigrations(db);
        if (pending.length > 0) return c.json({ status: 'migrating', pending }, 503);
        return c.json({ status: 'ready' });
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'readiness check failed');
        return c.json({ status: 'database unreachable' }, 503);
      }
    });
}
