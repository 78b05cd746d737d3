import type { Knex } from 'knex';
import { findStudy } from '../studies/store.ts';
import { interventionDatesOf } from './intervention-store.ts';
import { listSurveys } from './survey-store.ts';
import { buildTimings } from './timings.ts';

/** One survey as `download_surveys` returns it (spec §2.3); the apps read exactly these keys. */
export type PhoneSurvey = {
  content: unknown[];
  survey_type: string;
  settings: Record<string, unknown>;
  _id: string;
  timings: number[][];
  name: string;
};

/**
 * The study's live surveys for one participant, in creation order, each with `timings` built for
 * this participant in the study's time zone. A study without surveys gives an empty list.
 */
export async function surveysForPhone(
  db: Knex,
  phone: { studyId: number; participantId: number },
  now: Date
): Promise<PhoneSurvey[]> {
  const [study, { items }, interventionDates] = await Promise.all([
    findStudy(db, phone.studyId),
    listSurveys(db, phone.studyId, { deleted: 'exclude' }),
    interventionDatesOf(db, phone.participantId),
  ]);
  const timeZone = study?.timezone ?? 'UTC';
  return items.map((s) => ({
    content: s.content,
    survey_type: s.surveyType,
    settings: s.settings,
    _id: s.objectId,
    timings: buildTimings({ schedules: s.schedules, interventionDates, now, timeZone }),
    name: s.name,
  }));
}
