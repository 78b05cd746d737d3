import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { Id, Paging } from '../listing.ts';
import { requireStudy } from '../studies/store.ts';
import { validate } from '../validate.ts';
import { runSyncCheck } from './check.ts';
import { SyncAlertSettings } from './schemas.ts';
import { findSyncAlertSettings, listDigests, saveSyncAlertSettings } from './store.ts';

const ById = z.object({ id: Id });
const DigestQuery = Paging.omit({ deleted: true });

/** Who gets a study's sync-health digests and when a device counts as stale; the digests sent; the check on demand. */
export function syncAlertRoutes({ db, clock, config, log, mailer }: AppDeps) {
  const view = (studyId: number, s: SyncAlertSettings) => ({
    studyId,
    recipients: s.recipients,
    staleDeviceDays: s.staleDeviceDays,
    effectiveStaleDeviceDays: s.staleDeviceDays ?? config.syncAlerts.staleDays,
    reminderDays: config.syncAlerts.reminderDays,
    mailEnabled: mailer.enabled,
  });

  return new Hono<AppEnv>()
    .get('/studies/:id/sync-alerts', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      await requireStudy(db, id);
      return c.json(view(id, await findSyncAlertSettings(db, id)));
    })
    .put('/studies/:id/sync-alerts', validate('param', ById), validate('json', SyncAlertSettings), async (c) => {
      const { id } = c.req.valid('param');
      const after = c.req.valid('json');
      const now = clock();
      await db.transaction(async (trx) => {
        await requireStudy(trx, id, { live: true, forUpdate: true });
        const before = await findSyncAlertSettings(trx, id, { forUpdate: true });
        await saveSyncAlertSettings(trx, id, after, now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'study.sync-alerts.update',
          target: { type: 'study', id, studyId: id },
          before,
          after,
        });
      });
      return c.json(view(id, after));
    })
    .get('/studies/:id/sync-digests', validate('param', ById), validate('query', DigestQuery), async (c) => {
      const { id } = c.req.valid('param');
      const page = c.req.valid('query');
      await requireStudy(db, id);
      const { items, total } = await listDigests(db, id, page);
      return c.json({ items, total, limit: page.limit, offset: page.offset });
    })
    .post('/sync-check', async (c) => {
      const now = clock();
      const summary = await runSyncCheck({ db, config, log, mailer }, now);
      // The check commits its own work (and may have sent mail): the audit row says who asked and
      // what came of it, in counts only.
      await recordAudit(db, now, {
        ...actorOf(c),
        action: 'sync-check.run',
        target: { type: 'sync-check', id: 'all' },
        before: null,
        after: summary,
      });
      return c.json(summary);
    });
}
