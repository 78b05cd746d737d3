import type { Knex } from 'knex';
import { findStudy } from '../studies/store.ts';
import { interventionDatesOf } from './intervention-store.ts';
import { displayIfForPhone } from './skip-logic.ts';
import { SURVEY_TYPES } from './survey-content.ts';
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
 * this participant in the study's time zone. A study without surveys gives an empty list. Surveys
 * of other types (kept from imported Beiwe files) are left out, as Beiwe leaves out image surveys.
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
  return items
    .filter((s) => (SURVEY_TYPES as readonly string[]).includes(s.surveyType))
    .map((s) => ({
      content: s.surveyType === 'tracking_survey' ? contentForPhone(phoneQuestions(s.content)) : s.content,
      survey_type: s.surveyType,
      settings: s.settings,
      _id: s.objectId,
      timings: buildTimings({ schedules: s.schedules, interventionDates, now, timeZone }),
      name: s.name,
    }));
}

/**
 * A radio or checkbox question with no answers (Beiwe stores survey content as given, so real
 * files have them) goes to phones as the text it is: iOS's ResearchKit throws on a choice list
 * with no choices, and Android shows the text with nothing to pick anyway.
 */
function phoneQuestions(content: readonly unknown[]): unknown[] {
  return content.map((q) => {
    if (typeof q !== 'object' || q === null) return q;
    const question = q as Record<string, unknown>;
    const choice = question.question_type === 'radio_button' || question.question_type === 'checkbox';
    if (!choice || !Array.isArray(question.answers) || question.answers.length > 0) return q;
    return Object.fromEntries(
      Object.entries({ ...question, question_type: 'info_text_box' }).filter(([k]) => k !== 'answers')
    );
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Questions with their skip logic in the form both apps evaluate without stopping. */
function contentForPhone(content: unknown[]): unknown[] {
  const types = new Map<string, unknown>();
  for (const q of content)
    if (isObject(q) && typeof q.question_id === 'string') types.set(q.question_id, q.question_type);
  return content.map((q) =>
    isObject(q) && isObject(q.display_if) ? { ...q, display_if: displayIfForPhone(q.display_if, types) } : q
  );
}
