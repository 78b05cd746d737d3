import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { Id } from '../listing.ts';
import { restorableUntil } from '../retention/window.ts';
import { validate } from '../validate.ts';
import { z } from 'zod';
import { NewStudy, StudyPatch, StudyQuery } from './schemas.ts';
import type { Study } from './store.ts';
import { findStudy, insertStudy, listStudies, setStudyDeletedAt, updateStudy } from './store.ts';

const ById = z.object({ id: Id });

export function studyRoutes({ db, clock, config }: AppDeps) {
  const days = config.retention.days;
  const json = (s: Study) => ({
    ...s,
    restorableUntil: s.deletedAt === null ? null : restorableUntil(s.deletedAt, days),
  });
  const target = (s: Study) => ({ type: 'study', id: s.id, studyId: s.id });

  /** Loads a study inside the transaction and locks it, or 404s. */
  const lockStudy = async (trx: typeof db, id: number) => {
    const study = await findStudy(trx, id, { forUpdate: true });
    if (!study) throw new NotFoundError(`study ${id} does not exist`);
    return study;
  };

  return new Hono<AppEnv>()
    .get('/', validate('query', StudyQuery), async (c) => {
      const query = c.req.valid('query');
      const { items, total } = await listStudies(db, query);
      return c.json({ items: items.map(json), total, limit: query.limit, offset: query.offset });
    })
    .post('/', validate('json', NewStudy), async (c) => {
      const now = clock();
      const study = await db.transaction(async (trx) => {
        const created = await insertStudy(trx, c.req.valid('json'), now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'study.create',
          target: target(created),
          before: null,
          after: created,
        });
        return created;
      });
      return c.json(json(study), 201);
    })
    .get('/:id', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const study = await findStudy(db, id);
      if (!study) throw new NotFoundError(`study ${id} does not exist`);
      return c.json(json(study));
    })
    .patch('/:id', validate('param', ById), validate('json', StudyPatch), async (c) => {
      const now = clock();
      const study = await db.transaction(async (trx) => {
        const before = await lockStudy(trx, c.req.valid('param').id);
        if (before.deletedAt) throw new ConflictError(`study ${before.id} is deleted: restore it first`);
        const after = await updateStudy(trx, before, c.req.valid('json'), now);
        await recordAudit(trx, now, { ...actorOf(c), action: 'study.update', target: target(after), before, after });
        return after;
      });
      return c.json(json(study));
    })
    .delete('/:id', validate('param', ById), async (c) => {
      const now = clock();
      const study = await db.transaction(async (trx) => {
        const before = await lockStudy(trx, c.req.valid('param').id);
        if (before.deletedAt) throw new ConflictError(`study ${before.id} is already deleted`);
        const after = await setStudyDeletedAt(trx, before, now, now);
        await recordAudit(trx, now, { ...actorOf(c), action: 'study.delete', target: target(after), before, after });
        return after;
      });
      return c.json(json(study));
    })
    .post('/:id/restore', validate('param', ById), async (c) => {
      const now = clock();
      const study = await db.transaction(async (trx) => {
        const before = await lockStudy(trx, c.req.valid('param').id);
        if (!before.deletedAt) throw new ConflictError(`study ${before.id} is not deleted`);
        if (restorableUntil(before.deletedAt, days) <= now) {
          throw new ConflictError(
            `study ${before.id} was deleted more than ${days} days ago and can no longer be restored`
          );
        }
        const after = await setStudyDeletedAt(trx, before, null, now);
        await recordAudit(trx, now, { ...actorOf(c), action: 'study.restore', target: target(after), before, after });
        return after;
      });
      return c.json(json(study));
    });
}
