import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { NotFoundError } from '../errors.ts';
import { Id, Paging } from '../listing.ts';
import { findParticipant } from '../participants/store.ts';
import { validate } from '../validate.ts';
import { queueStats, requeueUploads } from './queue.ts';
import { findUpload, listUploads, UPLOAD_STATUSES } from './store.ts';

const ById = z.object({ id: Id });
const UploadQuery = Paging.omit({ deleted: true }).extend({
  status: z.enum(UPLOAD_STATUSES).optional(),
  stream: z.string().min(1).max(32).optional(),
});
/** Which uploads to process again: listed ids, or every upload matching a filter (e.g. all failed). */
const Requeue = z
  .strictObject({
    uploadIds: z.array(Id).min(1).max(10_000).optional(),
    participantId: Id.optional(),
    studyId: Id.optional(),
    status: z.enum(['failed', 'key_error', 'processed']).optional(),
    stream: z.string().min(1).max(32).optional(),
  })
  .refine((r) => r.uploadIds !== undefined || r.status !== undefined, 'give uploadIds, or a status to select by');

/** `/participants/:id/uploads`, `/uploads/…` and `/queue`: what phones sent and what became of it. */
export function uploadRoutes({ db, clock }: AppDeps) {
  return new Hono<AppEnv>()
    .get('/participants/:id/uploads', validate('param', ById), validate('query', UploadQuery), async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      if (!(await findParticipant(db, id))) throw new NotFoundError(`participant ${id} does not exist`);
      const { items, total } = await listUploads(db, { participantId: id, ...query });
      return c.json({ items, total, limit: query.limit, offset: query.offset });
    })
    .get('/uploads/:id', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const upload = await findUpload(db, id);
      if (!upload) throw new NotFoundError(`upload ${id} does not exist`);
      return c.json(upload);
    })
    .post('/uploads/:id/requeue', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const now = clock();
      await db.transaction(async (trx) => {
        const upload = await findUpload(trx, id);
        if (!upload) throw new NotFoundError(`upload ${id} does not exist`);
        await requeueUploads(trx, [id], now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'upload.requeue',
          target: { type: 'upload', id },
          before: { status: upload.status },
          after: { status: 'queued' },
        });
      });
      return c.json({ requeued: 1 });
    })
    .post('/uploads/requeue', validate('json', Requeue), async (c) => {
      const filter = c.req.valid('json');
      const now = clock();
      const requeued = await db.transaction(async (trx) => {
        const ids = (await trx('uploads as u')
          .join('participants as p', 'p.id', 'u.participant_id')
          .where((q) => {
            if (filter.uploadIds) void q.whereIn('u.id', filter.uploadIds);
            if (filter.participantId !== undefined) void q.where('u.participant_id', filter.participantId);
            if (filter.studyId !== undefined) void q.where('p.study_id', filter.studyId);
            if (filter.status !== undefined) void q.where('u.status', filter.status);
            if (filter.stream !== undefined) void q.where('u.stream', filter.stream);
          })
          .whereNot('u.status', 'rejected')
          .pluck('u.id')) as number[];
        const n = await requeueUploads(trx, ids.map(Number), now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'upload.requeue',
          target: { type: 'uploads', id: 'filter', studyId: filter.studyId ?? null },
          before: filter,
          after: { requeued: n },
        });
        return n;
      });
      return c.json({ requeued });
    })
    .get('/queue', async (c) => c.json(await queueStats(db, clock())));
}
