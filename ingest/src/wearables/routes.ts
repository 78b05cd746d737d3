import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { connectionTarget } from '../connections/status.ts';
import { findConnection, listConnections } from '../connections/store.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { Id, Paging } from '../listing.ts';
import { validate } from '../validate.ts';
import type { ProviderId } from '../providers/provider.ts';
import { PLAN_SHARE } from './budget.ts';
import { wearableCapacity } from './capacity.ts';
import { measurementsOfStudies } from '../study-measurements/store.ts';
import { enqueuePullJob, findPullJob, listPullJobs, PULL_JOB_STATES, type PullJobKind } from './jobs.ts';

const ById = z.object({ id: Id });
const PullRequest = z
  .strictObject({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() })
  .default({});
/** One value or a comma-separated list: `state=queued,running`, `connectionId=4,7`. */
const commaList = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',') : v), z.array(item).min(1).max(200));
const PullJobQuery = Paging.omit({ deleted: true }).extend({
  connectionId: commaList(Id).optional(),
  participantId: Id.optional(),
  studyId: Id.optional(),
  state: commaList(z.enum(PULL_JOB_STATES)).optional(),
});

/** The admin API for on-demand pulls ("update now", "update range") and the progress of every pull job. */
export function wearableRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;

  const enqueue = async (c: Parameters<typeof actorOf>[0], connectionId: number, body: z.infer<typeof PullRequest>) => {
    const now = clock();
    if ((body.from === undefined) !== (body.to === undefined)) {
      throw InvalidInputError.fromFields([
        { field: body.from === undefined ? 'from' : 'to', message: 'from and to go together' },
      ]);
    }
    const range =
      body.from !== undefined && body.to !== undefined ? { from: new Date(body.from), to: new Date(body.to) } : null;
    if (range && range.from >= range.to)
      throw InvalidInputError.fromFields([{ field: 'to', message: 'must be after from' }]);
    const kind: PullJobKind = range ? 'update_range' : 'update_now';
    const from = range?.from ?? new Date(now.getTime() - config.wearablePulls.backfillDays * 86_400_000);
    const to = range?.to ?? now;
    const actor = actorOf(c);
    return db.transaction(async (trx) => {
      const id = (await enqueuePullJob(
        trx,
        { kind, connectionId, from, to, requestedBy: actor.caller.login },
        now
      )) as number;
      await recordAudit(trx, now, {
        caller: actor.caller,
        requestId: actor.requestId,
        action: `wearables.${kind.replace('_', '-')}`,
        target: await connectionTarget(trx, { id: connectionId, participantId: await participantOf(connectionId) }),
        before: null,
        after: { jobId: id, from: from.toISOString(), to: to.toISOString() },
      });
      return id;
    });
  };
  const participantOf = async (connectionId: number) => {
    const record = await findConnection(db, connectionId);
    if (!record) throw new NotFoundError(`connection ${connectionId} does not exist`);
    return record.participantId;
  };

  return (
    new Hono<AppEnv>()
      .post('/connections/:id/pulls', validate('param', ById), validate('json', PullRequest), async (c) => {
        const { id } = c.req.valid('param');
        await participantOf(id);
        const jobId = await enqueue(c, id, c.req.valid('json'));
        return c.json({ items: [await findPullJob(db, jobId)] }, 202);
      })
      .post('/participants/:id/pulls', validate('param', ById), validate('json', PullRequest), async (c) => {
        const { id } = c.req.valid('param');
        const { items } = await listConnections(db, { participantId: id, status: 'active', limit: 200, offset: 0 });
        if (items.length === 0) throw new NotFoundError(`participant ${id} has no active wearable connection`);
        const jobs = [];
        for (const connection of items)
          jobs.push(await findPullJob(db, await enqueue(c, connection.id, c.req.valid('json'))));
        return c.json({ items: jobs }, 202);
      })
      .get('/pull-jobs', validate('query', PullJobQuery), async (c) => {
        const q = c.req.valid('query');
        const filter = {
          connectionIds: q.connectionId,
          participantId: q.participantId,
          studyId: q.studyId,
          states: q.state,
          limit: q.limit,
          offset: q.offset,
        };
        return c.json({ ...(await listPullJobs(db, filter)), limit: q.limit, offset: q.offset });
      })
      .get('/pull-jobs/:id', validate('param', ById), async (c) => {
        const job = await findPullJob(db, c.req.valid('param').id);
        if (!job) throw new NotFoundError(`pull job ${c.req.valid('param').id} does not exist`);
        return c.json(job);
      })
      // How many connections each vendor can take inside the planned share of its quotas, with the settings in force.
      .get('/wearables/capacity', async (c) => {
        const counts = (await db('device_connections as c')
          .join('participants as p', 'p.id', 'c.participant_id')
          .where('c.status', 'active')
          .groupBy('p.study_id', 'c.provider')
          .select('p.study_id', 'c.provider', db.raw('COUNT(*) as n'))) as {
          study_id: number;
          provider: ProviderId;
          n: number | string;
        }[];
        // Every live study, for what a connection of it would spend, and any other a connection still belongs to.
        const rows = (await db('studies')
          .whereNull('deleted_at')
          .orWhereIn(
            'id',
            counts.map((r) => r.study_id)
          )
          .orderBy('id')
          .select('id', 'name')) as { id: number; name: string }[];
        const measurements = await measurementsOfStudies(
          db,
          rows.map((r) => r.id)
        );
        const studies = rows.map(({ id: studyId, name }) => ({
          studyId,
          name,
          measurements: measurements.get(studyId) ?? [],
          active: Object.fromEntries(
            counts.filter((r) => r.study_id === studyId).map((r) => [r.provider, Number(r.n)])
          ),
        }));
        const { incrementalMinutes, notifications, minMinutes, listingSafetyNetMinutes } = config.wearablePulls;
        return c.json({
          plannedShare: PLAN_SHARE,
          notifications: notifications.enabled,
          vendors: wearableCapacity(
            { incrementalMinutes, notifications, minMinutes, listingSafetyNetMinutes },
            studies
          ),
        });
      })
      .get('/connections/:id/sync-health', validate('param', ById), async (c) => {
        const { id } = c.req.valid('param');
        const record = await findConnection(db, id);
        if (!record) throw new NotFoundError(`connection ${id} does not exist`);
        const state = (await db('wearable_sync_state').where({ connection_id: id }).first()) as
          Record<string, unknown> | undefined;
        const devices = (await db('device_status').where({ connection_id: id }).orderBy('first_seen_at')) as Record<
          string,
          unknown
        >[];
        const cursors = (await db('wearable_cursors')
          .where({ connection_id: id })
          .select('data_type', 'synced_until')) as unknown[];
        return c.json({
          connectionId: id,
          tokenStatus: record.status,
          tokenStatusReason: record.statusReason,
          lastDeviceSyncAt: state?.last_device_sync_at ?? null,
          lastPullAt: state?.last_pull_at ?? null,
          lastSuccessAt: state?.last_success_at ?? null,
          lastError: state?.last_error ?? null,
          lastErrorAt: state?.last_error_at ?? null,
          rateLimits: typeof state?.rate_limits === 'string' ? (JSON.parse(state.rate_limits) as unknown) : null,
          devices: devices.map(({ connection_id: _c, participant_id: _p, ...d }) => d),
          cursors,
        });
      })
  );
}
