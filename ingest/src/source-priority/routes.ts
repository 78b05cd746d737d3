import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { Id } from '../listing.ts';
import { requireStudy, updateStudySetting } from '../studies/store.ts';
import { validate } from '../validate.ts';
import { MEASUREMENT_SOURCES, SourcePriorities, type Measurement, type PriorityEntry } from './schemas.ts';
import { findSourcePriorities, saveSourcePriorities } from './store.ts';

const ById = z.object({ id: Id });

/**
 * Which source a study prefers per measurement, for the preferred series of dashboards and exports.
 * `defaultOrder` ranks what a list leaves out, after the list.
 */
export function sourcePriorityRoutes({ db, clock }: AppDeps) {
  const view = (studyId: number, priorities: Record<Measurement, PriorityEntry[]>) => ({
    studyId,
    priorities,
    defaultOrder: MEASUREMENT_SOURCES,
  });

  return new Hono<AppEnv>()
    .get('/studies/:id/source-priority', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      await requireStudy(db, id);
      return c.json(view(id, await findSourcePriorities(db, id)));
    })
    .put('/studies/:id/source-priority', validate('param', ById), validate('json', SourcePriorities), async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const now = clock();
      const after = await updateStudySetting(
        db,
        { studyId: id, now, action: 'study.source-priority.update', actor: actorOf(c) },
        {
          find: (trx, opts) => findSourcePriorities(trx, id, opts),
          save: (trx) => saveSourcePriorities(trx, id, body, now),
        }
      );
      return c.json(view(id, after));
    });
}
