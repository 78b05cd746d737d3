import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { canChange } from '../auth/grafana-proxy.ts';
import { listAudit } from '../audit/store.ts';
import { Id, Paging } from '../listing.ts';
import { purgeExpired } from '../retention/purge.ts';
import { validate } from '../validate.ts';

const AuditQuery = Paging.omit({ deleted: true }).extend({
  studyId: Id.optional(),
  targetType: z.string().min(1).max(32).optional(),
  targetId: z.string().min(1).max(64).optional(),
  actor: z.string().min(1).max(190).optional(),
  action: z.string().min(1).max(64).optional(),
});

/** Cross-cutting admin endpoints: who am I, the audit trail, and the purge. */
export function adminRoutes({ db, clock, config, archive, log }: AppDeps) {
  return new Hono<AppEnv>()
    .get('/me', (c) => {
      const caller = c.get('caller');
      return c.json({ ...caller, canChange: canChange(caller), retentionDays: config.retention.days });
    })
    .get('/audit', validate('query', AuditQuery), async (c) => {
      const query = c.req.valid('query');
      const { items, total } = await listAudit(db, query);
      return c.json({ items, total, limit: query.limit, offset: query.offset });
    })
    .post('/purge', async (c) => {
      const result = await purgeExpired(
        { db, archive: archive.store, log },
        clock(),
        config.retention.days,
        c.get('caller'),
        c.get('requestId')
      );
      // The receipts in the audit log count the archive objects; the plugin shows these two.
      return c.json({ purged: { studies: result.studies, participants: result.participants } });
    });
}
