import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import type { DeletedMode } from '../listing.ts';
import { whereDeleted } from '../listing.ts';
import { parseJsonColumn } from './json-column.ts';
import { normaliseSchedules, type Schedules } from './schedules.ts';
import type { SurveyType } from './survey-content.ts';

/** What a survey is: what phones download, and what each version keeps. */
export type SurveyDefinition = {
  /** tracking_survey or audio_survey; an imported Beiwe file may bring other types, never sent to phones. */
  surveyType: SurveyType | (string & {});
  name: string;
  content: unknown[];
  settings: Record<string, unknown>;
  schedules: Schedules;
};

export type Survey = SurveyDefinition & {
  id: number;
  studyId: number;
  objectId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
};

export type SurveyVersion = Omit<SurveyDefinition, 'surveyType'> & {
  version: number;
  createdAt: Date;
  createdBy: string;
};

const columns = [
  'id',
  'study_id',
  'object_id',
  'survey_type',
  'name',
  'content',
  'settings',
  'schedules',
  'version',
  'created_at',
  'updated_at',
  'deleted_at',
] as const;

type SurveyRow = {
  id: number;
  study_id: number;
  object_id: string;
  survey_type: string;
  name: string;
  content: unknown;
  settings: unknown;
  schedules: unknown;
  version: number;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

const toSurvey = (r: SurveyRow): Survey => ({
  id: r.id,
  studyId: r.study_id,
  objectId: r.object_id,
  surveyType: r.survey_type,
  name: r.name,
  content: parseJsonColumn(r.content) as unknown[],
  settings: parseJsonColumn(r.settings) as Record<string, unknown>,
  schedules: parseJsonColumn(r.schedules) as Schedules,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deletedAt: r.deleted_at,
});

export async function findSurvey(
  db: Knex,
  id: number,
  opts: { forUpdate?: boolean } = {}
): Promise<Survey | undefined> {
  const q = db('surveys').select(columns).where({ id }).first();
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as SurveyRow | undefined;
  return row && toSurvey(row);
}

/** A study's surveys in the order they were created (the order Beiwe exports and phones list them). */
export async function listSurveys(
  db: Knex,
  studyId: number,
  query: { deleted: DeletedMode; limit?: number; offset?: number }
): Promise<{ items: Survey[]; total: number }> {
  const base = db('surveys').where((q) => {
    void q.where('study_id', studyId);
    whereDeleted(q, 'deleted_at', query.deleted);
  });
  const page = base.clone().select(columns).orderBy('id');
  if (query.limit !== undefined) void page.limit(query.limit).offset(query.offset ?? 0);
  const [rows, [count]] = await Promise.all([page, base.clone().count({ n: '*' })]);
  return { items: (rows as SurveyRow[]).map(toSurvey), total: Number(count?.n ?? 0) };
}

const definitionColumns = (d: SurveyDefinition) => ({
  name: d.name,
  content: JSON.stringify(d.content),
  settings: JSON.stringify(d.settings),
  schedules: JSON.stringify(normaliseSchedules(d.schedules)),
});

async function insertVersion(db: Knex, surveyId: number, version: number, d: SurveyDefinition, by: string, now: Date) {
  await db('survey_versions').insert({
    survey_id: surveyId,
    version,
    ...definitionColumns(d),
    created_at: now,
    created_by: by,
  });
}

export async function insertSurvey(
  db: Knex,
  studyId: number,
  definition: SurveyDefinition,
  actorLogin: string,
  now: Date
): Promise<Survey> {
  const objectId = generateObjectId();
  const [id] = await db('surveys').insert({
    study_id: studyId,
    object_id: objectId,
    survey_type: definition.surveyType,
    ...definitionColumns(definition),
    version: 1,
    created_at: now,
    updated_at: now,
  });
  await insertVersion(db, Number(id), 1, definition, actorLogin, now);
  return (await findSurvey(db, Number(id)))!;
}

/** Saves a new version of a survey; the previous ones stay in `survey_versions`. */
export async function updateSurvey(
  db: Knex,
  survey: Survey,
  definition: SurveyDefinition,
  actorLogin: string,
  now: Date
): Promise<Survey> {
  const version = survey.version + 1;
  await db('surveys')
    .where({ id: survey.id })
    .update({ ...definitionColumns(definition), version, updated_at: now });
  await insertVersion(db, survey.id, version, definition, actorLogin, now);
  return (await findSurvey(db, survey.id))!;
}

export async function setSurveyDeletedAt(db: Knex, survey: Survey, deletedAt: Date | null, now: Date): Promise<Survey> {
  await db('surveys').where({ id: survey.id }).update({ deleted_at: deletedAt, updated_at: now });
  return { ...survey, deletedAt, updatedAt: now };
}

export async function listSurveyVersions(
  db: Knex,
  surveyId: number,
  page: { limit: number; offset: number }
): Promise<{ items: SurveyVersion[]; total: number }> {
  const base = db('survey_versions').where({ survey_id: surveyId });
  const [rows, [count]] = await Promise.all([
    base
      .clone()
      .select('version', 'name', 'content', 'settings', 'schedules', 'created_at', 'created_by')
      .orderBy('version', 'desc')
      .limit(page.limit)
      .offset(page.offset),
    base.clone().count({ n: '*' }),
  ]);
  const items = (rows as (SurveyRow & { created_by: string })[]).map((r) => ({
    version: r.version,
    name: r.name,
    content: parseJsonColumn(r.content) as unknown[],
    settings: parseJsonColumn(r.settings) as Record<string, unknown>,
    schedules: parseJsonColumn(r.schedules) as Schedules,
    createdAt: r.created_at,
    createdBy: r.created_by,
  }));
  return { items, total: Number(count?.n ?? 0) };
}

const OBJECT_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Beiwe's object ids are 24 random alphanumerics; 62^24 makes a clash practically impossible. */
function generateObjectId(): string {
  return Array.from({ length: 24 }, () => OBJECT_ID_ALPHABET[randomInt(OBJECT_ID_ALPHABET.length)]).join('');
}
