import { Hono } from 'hono';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { Id, Paging } from '../listing.ts';
import { validate } from '../validate.ts';
import { listInterventions } from './intervention-store.ts';
import { fieldProblems } from './problems.ts';
import { lockLiveStudy } from './study-lock.ts';
import { findStudyOrThrow } from './study-lock.ts';
import { NewSurvey, SurveyPatch } from './survey-schema.ts';
import type { Survey, SurveyDefinition } from './survey-store.ts';
import {
  findSurvey,
  insertSurvey,
  listSurveys,
  listSurveyVersions,
  setSurveyDeletedAt,
  updateSurvey,
} from './survey-store.ts';

const ById = z.object({ id: Id });
const VersionQuery = Paging.omit({ deleted: true });

/**
 * Tracking and audio surveys: `/studies/:id/surveys` to list and create, `/surveys/:id` to read,
 * change (a new version each time), delete softly and restore. Phones get the live ones.
 */
export function surveyRoutes({ db, clock }: AppDeps) {
  /** Relative schedules name the intervention by id; each must be one of the survey's study's. */
  const checkInterventions = async (trx: Knex, studyId: number, definition: SurveyDefinition) => {
    const ids = new Set((await listInterventions(trx, studyId)).map((i) => i.id));
    const problems = definition.schedules.relative.flatMap((r, i) =>
      ids.has(r.interventionId)
        ? []
        : [
            {
              field: `schedules.relative.${i}.interventionId`,
              message: `intervention ${r.interventionId} is not one of study ${studyId}'s interventions`,
            },
          ]
    );
    if (problems.length > 0) throw InvalidInputError.fromFields(problems);
  };

  /** The surveys of one study, each relative schedule with its intervention's name beside its id. */
  const json = async (surveys: Survey[]) => {
    const studyId = surveys[0]?.studyId;
    const names = new Map(
      studyId === undefined ? [] : (await listInterventions(db, studyId)).map((i) => [i.id, i.name] as const)
    );
    return surveys.map((survey) => ({
      ...survey,
      schedules: {
        ...survey.schedules,
        relative: survey.schedules.relative.map((r) => ({ ...r, intervention: names.get(r.interventionId) ?? null })),
      },
    }));
  };
  const one = async (survey: Survey) => (await json([survey]))[0]!;

  /** Locks the survey and its study; changes wait while either is deleted. */
  const lockSurvey = async (trx: Knex, id: number) => {
    const survey = await findSurvey(trx, id, { forUpdate: true });
    if (!survey) throw new NotFoundError(`survey ${id} does not exist`);
    await lockLiveStudy(trx, survey.studyId);
    return survey;
  };
  const target = (s: Survey) => ({ type: 'survey', id: s.id, studyId: s.studyId });

  return new Hono<AppEnv>()
    .get('/studies/:id/surveys', validate('param', ById), validate('query', Paging), async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      await findStudyOrThrow(db, id);
      const { items, total } = await listSurveys(db, id, query);
      return c.json({ items: await json(items), total, limit: query.limit, offset: query.offset });
    })
    .post('/studies/:id/surveys', validate('param', ById), validate('json', NewSurvey), async (c) => {
      const { id } = c.req.valid('param');
      const now = clock();
      const survey = await db.transaction(async (trx) => {
        const study = await lockLiveStudy(trx, id);
        const definition = c.req.valid('json');
        await checkInterventions(trx, study.id, definition);
        const created = await insertSurvey(trx, study.id, definition, c.get('caller').login, now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'survey.create',
          target: target(created),
          before: null,
          after: created,
        });
        return created;
      });
      return c.json(await one(survey), 201);
    })
    .get('/surveys/:id', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const survey = await findSurvey(db, id);
      if (!survey) throw new NotFoundError(`survey ${id} does not exist`);
      return c.json(await one(survey));
    })
    .get('/surveys/:id/versions', validate('param', ById), validate('query', VersionQuery), async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      if (!(await findSurvey(db, id))) throw new NotFoundError(`survey ${id} does not exist`);
      return c.json({ ...(await listSurveyVersions(db, id, query)), limit: query.limit, offset: query.offset });
    })
    .patch('/surveys/:id', validate('param', ById), validate('json', SurveyPatch), async (c) => {
      const now = clock();
      const survey = await db.transaction(async (trx) => {
        const before = await lockSurvey(trx, c.req.valid('param').id);
        if (before.deletedAt) throw new ConflictError(`survey ${before.id} is deleted: restore it first`);
        // The change is checked as a whole survey: content is only valid or not for the survey's type.
        const merged = NewSurvey.safeParse({
          surveyType: before.surveyType,
          name: before.name,
          content: before.content,
          settings: before.settings,
          schedules: before.schedules,
          ...c.req.valid('json'),
        });
        if (!merged.success) throw InvalidInputError.fromFields(fieldProblems(merged.error));
        await checkInterventions(trx, before.studyId, merged.data);
        const after = await updateSurvey(trx, before, merged.data, c.get('caller').login, now);
        await recordAudit(trx, now, { ...actorOf(c), action: 'survey.update', target: target(after), before, after });
        return after;
      });
      return c.json(await one(survey));
    })
    .delete('/surveys/:id', validate('param', ById), async (c) => {
      const now = clock();
      const survey = await db.transaction(async (trx) => {
        const before = await lockSurvey(trx, c.req.valid('param').id);
        if (before.deletedAt) throw new ConflictError(`survey ${before.id} is already deleted`);
        const after = await setSurveyDeletedAt(trx, before, now, now);
        await recordAudit(trx, now, { ...actorOf(c), action: 'survey.delete', target: target(after), before, after });
        return after;
      });
      return c.json(await one(survey));
    })
    .post('/surveys/:id/restore', validate('param', ById), async (c) => {
      const now = clock();
      const survey = await db.transaction(async (trx) => {
        const before = await lockSurvey(trx, c.req.valid('param').id);
        if (!before.deletedAt) throw new ConflictError(`survey ${before.id} is not deleted`);
        const after = await setSurveyDeletedAt(trx, before, null, now);
        await recordAudit(trx, now, { ...actorOf(c), action: 'survey.restore', target: target(after), before, after });
        return after;
      });
      return c.json(await one(survey));
    });
}
