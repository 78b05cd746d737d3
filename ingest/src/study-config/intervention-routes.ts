import { Hono } from 'hono';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { Id } from '../listing.ts';
import { findParticipant } from '../participants/store.ts';
import { validate } from '../validate.ts';
import type { Intervention } from './intervention-store.ts';
import {
  deleteIntervention,
  findIntervention,
  insertIntervention,
  interventionDatesOf,
  listInterventions,
  renameIntervention,
  setInterventionDates,
} from './intervention-store.ts';
import { IsoDate } from './schedules.ts';
import { findStudyOrThrow, lockLiveStudy } from './study-lock.ts';
import { listSurveys } from './survey-store.ts';

const ById = z.object({ id: Id });
const Name = z.strictObject({
  name: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(200, { error: 'must be at most 200 characters' }),
});
const Dates = z.strictObject({
  dates: z
    .array(z.strictObject({ interventionId: Id, date: IsoDate.nullable() }), { error: 'must be a list' })
    .min(1, { error: 'expected at least one date' })
    .max(1000),
});

/**
 * Interventions (`/studies/:id/interventions`, `/interventions/:id`) and each participant's dates for
 * them (`/participants/:id/interventions`): relative survey schedules count days from those dates.
 */
export function interventionRoutes({ db, clock }: AppDeps) {
  const lockIntervention = async (trx: Knex, id: number) => {
    const intervention = await findIntervention(trx, id, { forUpdate: true });
    if (!intervention) throw new NotFoundError(`intervention ${id} does not exist`);
    await lockLiveStudy(trx, intervention.studyId);
    return intervention;
  };
  const target = (i: Intervention) => ({ type: 'intervention', id: i.id, studyId: i.studyId });

  /** Every intervention of the participant's study, with the participant's date or null. */
  const participantDates = async (participant: { id: number; studyId: number }) => {
    const [interventions, dates] = await Promise.all([
      listInterventions(db, participant.studyId),
      interventionDatesOf(db, participant.id),
    ]);
    return {
      participantId: participant.id,
      items: interventions.map((i) => ({ interventionId: i.id, name: i.name, date: dates.get(i.id) ?? null })),
    };
  };

  return new Hono<AppEnv>()
    .get('/studies/:id/interventions', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      await findStudyOrThrow(db, id);
      return c.json({ items: await listInterventions(db, id) });
    })
    .post('/studies/:id/interventions', validate('param', ById), validate('json', Name), async (c) => {
      const now = clock();
      const intervention = await db.transaction(async (trx) => {
        const study = await lockLiveStudy(trx, c.req.valid('param').id);
        const created = await insertIntervention(trx, study.id, c.req.valid('json').name, now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'intervention.create',
          target: target(created),
          before: null,
          after: created,
        });
        return created;
      });
      return c.json(intervention, 201);
    })
    .patch('/interventions/:id', validate('param', ById), validate('json', Name), async (c) => {
      const now = clock();
      const intervention = await db.transaction(async (trx) => {
        const before = await lockIntervention(trx, c.req.valid('param').id);
        const after = await renameIntervention(trx, before, c.req.valid('json').name, now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'intervention.rename',
          target: target(after),
          before,
          after,
        });
        return after;
      });
      return c.json(intervention);
    })
    .delete('/interventions/:id', validate('param', ById), async (c) => {
      const now = clock();
      await db.transaction(async (trx) => {
        const before = await lockIntervention(trx, c.req.valid('param').id);
        // Deleted surveys count too: restoring one must not bring back a schedule with no intervention.
        const { items } = await listSurveys(trx, before.studyId, { deleted: 'include' });
        const users = items.filter((s) => s.schedules.relative.some((r) => r.interventionId === before.id));
        if (users.length > 0) {
          throw new ConflictError(
            `intervention ${before.id} is used by the relative schedules of survey ${users.map((s) => s.id).join(', ')}`
          );
        }
        await deleteIntervention(trx, before);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'intervention.delete',
          target: target(before),
          before,
          after: null,
        });
      });
      return c.body(null, 204);
    })
    .get('/participants/:id/interventions', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const participant = await findParticipant(db, id);
      if (!participant) throw new NotFoundError(`participant ${id} does not exist`);
      return c.json(await participantDates(participant));
    })
    .put('/participants/:id/interventions', validate('param', ById), validate('json', Dates), async (c) => {
      const { id } = c.req.valid('param');
      const { dates } = c.req.valid('json');
      const now = clock();
      const participant = await db.transaction(async (trx) => {
        const found = await findParticipant(trx, id, { forUpdate: true });
        if (!found) throw new NotFoundError(`participant ${id} does not exist`);
        if (found.deletedAt) throw new ConflictError(`participant ${id} is deleted: restore it first`);
        await lockLiveStudy(trx, found.studyId);
        const ids = new Set((await listInterventions(trx, found.studyId)).map((i) => i.id));
        const problems = dates.flatMap((d, i) =>
          ids.has(d.interventionId)
            ? []
            : [{ field: `dates.${i}.interventionId`, message: `is not an intervention of study ${found.studyId}` }]
        );
        if (problems.length > 0) throw InvalidInputError.fromFields(problems);
        const before = Object.fromEntries(await interventionDatesOf(trx, found.id));
        await setInterventionDates(trx, found.id, dates, now);
        const after = Object.fromEntries(await interventionDatesOf(trx, found.id));
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'participant.intervention_dates',
          target: { type: 'participant', id: found.id, studyId: found.studyId },
          before,
          after,
        });
        return found;
      });
      return c.json(await participantDates(participant));
    });
}
