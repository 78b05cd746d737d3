import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { NotFoundError } from '../errors.ts';
import { Id, Paging } from '../listing.ts';
import { findParticipant } from '../participants/store.ts';
import { validate } from '../validate.ts';
import { sendTestPush } from './test-push.ts';

const ById = z.object({ id: Id });
const Query = Paging.omit({ deleted: true }).extend({
  state: z
    .enum(['scheduled', 'sent', 'failed', 'skipped', 'confirmed'], {
      error: 'must be scheduled, sent, failed, skipped or confirmed',
    })
    .optional(),
});

type Row = {
  id: number;
  kind: string;
  survey_id: number | null;
  survey_object_id: string | null;
  survey_name: string | null;
  schedule_type: string | null;
  scheduled_for: Date;
  time_zone: string;
  uuid: string;
  resend: number;
  state: string;
  attempts: number;
  platform: string | null;
  sent_at: Date | null;
  confirmed_at: Date | null;
  error: string | null;
  created_at: Date;
};

/**
 * `GET /participants/:id/push-notifications`: a participant's pushes with their state, newest
 * schedule first. `POST …/test` (Admin, as every change): a test push sent now, its outcome in words.
 */
export function pushHistoryRoutes(deps: AppDeps) {
  const { db } = deps;
  return new Hono<AppEnv>()
    .post('/participants/:id/push-notifications/test', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const now = deps.clock();
      const result = await sendTestPush(deps, id, now, (trx, answer, studyId) =>
        recordAudit(trx, now, {
          ...actorOf(c),
          action: 'push.test',
          target: { type: 'participant', id, studyId },
          before: null,
          after: { outcome: answer.outcome, notificationId: answer.notification.id, error: answer.notification.error },
        })
      );
      return c.json(result);
    })
    .get('/participants/:id/push-notifications', validate('param', ById), validate('query', Query), async (c) => {
      const { id } = c.req.valid('param');
      const { limit, offset, state } = c.req.valid('query');
      if (!(await findParticipant(db, id))) throw new NotFoundError(`participant ${id} does not exist`);
      const base = db('push_notifications as n').where('n.participant_id', id);
      if (state) void base.where('n.state', state);
      const [rows, [count]] = await Promise.all([
        base
          .clone()
          .leftJoin('surveys as s', 's.id', 'n.survey_id')
          .orderBy([
            { column: 'n.scheduled_for', order: 'desc' },
            { column: 'n.id', order: 'desc' },
          ])
          .limit(limit)
          .offset(offset)
          .select(
            'n.id',
            'n.kind',
            'n.survey_id',
            's.object_id as survey_object_id',
            's.name as survey_name',
            'n.schedule_type',
            'n.scheduled_for',
            'n.time_zone',
            'n.uuid',
            'n.resend',
            'n.state',
            'n.attempts',
            'n.platform',
            'n.sent_at',
            'n.confirmed_at',
            'n.error',
            'n.created_at'
          ) as Promise<Row[]>,
        base.clone().count({ n: '*' }),
      ]);
      return c.json({
        items: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          surveyId: r.survey_id,
          surveyObjectId: r.survey_object_id,
          surveyName: r.survey_name,
          scheduleType: r.schedule_type,
          scheduledFor: r.scheduled_for,
          timeZone: r.time_zone,
          uuid: r.uuid,
          resend: r.resend,
          state: r.state,
          attempts: r.attempts,
          platform: r.platform,
          sentAt: r.sent_at,
          confirmedAt: r.confirmed_at,
          error: r.error,
          createdAt: r.created_at,
        })),
        total: Number((count as { n?: number } | undefined)?.n ?? 0),
      });
    });
}
