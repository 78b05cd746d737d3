import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { Id } from '../listing.ts';
import { findParticipant } from '../participants/store.ts';
import { findStudy } from '../studies/store.ts';
import { validate } from '../validate.ts';
import { finishAttempt, listAttempts, recordAttempt } from './attempts.ts';
import { estimateExport } from './estimate.ts';
import { EXPORT_STREAMS, exportZip, type ExportSummary } from './export.ts';
import { deleteKey, findKey, insertKey, listKeys, setKeyDisabledAt, type DataAccessKey } from './keys.ts';
import { parseStreams, studyParticipants } from './request.ts';
import { zipResponse } from './zip-response.ts';

const ById = z.object({ id: Id });
const NewKey = z.strictObject({
  /** null: every study, for Grafana server admins only. */
  studyId: Id.nullable(),
  name: z.string().trim().min(1, 'must not be empty').max(200),
});
const KeyQuery = z.object({ studyId: Id.optional() });
const AttemptQuery = z.object({
  keyId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const ExportQuery = z.object({
  streams: z
    .string()
    .optional()
    .transform((s) =>
      s
        ? s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean)
        : []
    )
    .pipe(z.array(z.enum(EXPORT_STREAMS))),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

const targetOf = (k: DataAccessKey) => ({ type: 'data_access_key', id: k.id, studyId: k.studyId });

/** `/data-access/keys` (researchers' API keys) and `/participants/:id/export` (the same ZIP, for the plugin). */
export function dataAccessAdminRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const requireKey = async (id: number) => {
    const key = await findKey(db, id);
    if (!key) throw new NotFoundError(`data-access key ${id} does not exist`);
    return key;
  };
  return new Hono<AppEnv>()
    .post('/data-access/keys', validate('json', NewKey), async (c) => {
      const { studyId, name } = c.req.valid('json');
      const { caller } = actorOf(c);
      if (studyId === null && !caller.isServerAdmin) {
        throw new ForbiddenError('a key for every study needs a Grafana server admin');
      }
      if (studyId !== null) {
        const study = await findStudy(db, studyId);
        if (!study || study.deletedAt) throw new NotFoundError(`study ${studyId} does not exist`);
      }
      const now = clock();
      const { key, secret } = await db.transaction(async (trx) => {
        const created = await insertKey(trx, { studyId, name, createdBy: caller.login }, now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'data_access_key.create',
          target: targetOf(created.key),
          before: null,
          after: created.key,
        });
        return created;
      });
      // The secret is shown this once; only its hash is kept.
      return c.json({ ...key, secretKey: secret }, 201);
    })
    .get('/data-access/keys', validate('query', KeyQuery), async (c) => {
      return c.json({ items: await listKeys(db, c.req.valid('query').studyId) });
    })
    .post('/data-access/keys/:id/disable', validate('param', ById), async (c) => {
      const now = clock();
      const key = await db.transaction(async (trx) => {
        const before = await findKey(trx, c.req.valid('param').id, { forUpdate: true });
        if (!before) throw new NotFoundError(`data-access key ${c.req.valid('param').id} does not exist`);
        if (before.disabledAt) return before;
        await setKeyDisabledAt(trx, before.id, now);
        const after = { ...before, disabledAt: now };
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'data_access_key.disable',
          target: targetOf(after),
          before,
          after,
        });
        return after;
      });
      return c.json(key);
    })
    .delete('/data-access/keys/:id', validate('param', ById), async (c) => {
      const now = clock();
      const before = await requireKey(c.req.valid('param').id);
      await db.transaction(async (trx) => {
        await deleteKey(trx, before.id);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'data_access_key.delete',
          target: targetOf(before),
          before,
          after: null,
        });
      });
      return c.body(null, 204);
    })
    .get('/data-access/attempts', validate('query', AttemptQuery), async (c) => {
      return c.json({ items: await listAttempts(db, c.req.valid('query')) });
    })
    .get('/participants/:id/export', validate('param', ById), validate('query', ExportQuery), async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const participant = await findParticipant(db, id);
      if (!participant || participant.deletedAt) throw new NotFoundError(`participant ${id} does not exist`);
      const study = await findStudy(db, participant.studyId);
      if (!study) throw new NotFoundError(`participant ${id} does not exist`);
      const [beiwe] = (await studyParticipants(db, study.id)).filter((p) => p.id === id);
      if (!beiwe) throw new NotFoundError(`participant ${id} has no Beiwe data`);
      // Vigil's own export carries the daily features too.
      const streams = parseStreams(query.streams, EXPORT_STREAMS);
      const from = query.from ? new Date(query.from) : undefined;
      const to = query.to ? new Date(query.to) : undefined;
      // Deflated: an admin's browser download gains more from size than a script does.
      const method = 'deflate';
      const estimate = await estimateExport(db, {
        participantId: id,
        timezone: study.timezone,
        streams,
        from,
        to,
        method,
      });
      const summary: ExportSummary = { entries: 0, skipped: 0, rows: 0, bytes: 0 };
      const attemptId = await recordAttempt(db, clock(), {
        actorLogin: actorOf(c).caller.login,
        endpoint: 'admin-export',
        status: 200,
        outcome: 'streaming',
        studyId: study.id,
        query: { participantId: id, ...query },
        requestId: c.get('requestId'),
      });
      const body = exportZip(
        deps,
        {
          studyObjectId: study.objectId,
          participants: [beiwe],
          streams,
          from,
          to,
          registry: new Map(),
          method,
          withRegistry: false,
        },
        summary
      );
      const range = [from, to].map((d) => (d ? `_${d.toISOString().slice(0, 10)}` : '')).join('');
      // A streamed ZIP has no length: the estimates let a browser show progress against the bytes it has read.
      const headers = {
        'x-vigil-estimated-rows': String(estimate.rows),
        'x-vigil-estimated-bytes': String(estimate.bytes),
      };
      return zipResponse(
        body,
        `${beiwe.patientId}${range}.zip`,
        (err) => {
          const outcome = err
            ? `failed while streaming: ${err.message}`
            : `sent ${summary.entries} entries, ${summary.rows} rows`;
          void finishAttempt(db, attemptId, outcome).catch(() => undefined);
        },
        headers
      );
    });
}
