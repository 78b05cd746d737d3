import { z } from 'zod';
import { Paging } from '../listing.ts';
import { NO_SCHEDULES, Schedules } from './schedules.ts';
import {
  AudioContent,
  AudioSettings,
  DEFAULT_AUDIO_SETTINGS,
  DEFAULT_TRACKING_SETTINGS,
  SURVEY_TYPES,
  TrackingContent,
  TrackingSettings,
} from './survey-content.ts';

/** The admin API's survey bodies. `content` and `settings` keep Beiwe's own shape (§7.2, §7.3). */

const Name = z.string({ error: 'must be a string' }).max(10_000, { error: 'must be at most 10000 characters' });

/**
 * Content written through the admin API: a radio or checkbox question needs an answer. Study files
 * may hold empty lists (Beiwe keeps content as given, and the import keeps them), but an editor
 * should not make a question phones can only show as text.
 */
const EditedContent = TrackingContent.superRefine((questions, ctx) => {
  questions.forEach((q, i) => {
    const choice = q.question_type === 'radio_button' || q.question_type === 'checkbox';
    if (choice && Array.isArray(q.answers) && q.answers.length === 0) {
      ctx.addIssue({ code: 'custom', path: [i, 'answers'], message: 'needs at least one answer' });
    }
  });
});

const TrackingSurvey = z.strictObject({
  surveyType: z.literal('tracking_survey'),
  name: Name.default(''),
  content: EditedContent.default([]),
  settings: TrackingSettings.default(DEFAULT_TRACKING_SETTINGS),
  schedules: Schedules.default(NO_SCHEDULES),
});

const AudioSurvey = z.strictObject({
  surveyType: z.literal('audio_survey'),
  name: Name.default(''),
  content: AudioContent.default([{ prompt: '' }]),
  settings: AudioSettings.default(DEFAULT_AUDIO_SETTINGS),
  schedules: Schedules.default(NO_SCHEDULES),
});

export const NewSurvey = z.discriminatedUnion('surveyType', [TrackingSurvey, AudioSurvey], {
  error: `surveyType must be one of ${SURVEY_TYPES.join(', ')}`,
});
export type NewSurvey = z.infer<typeof NewSurvey>;

/** A change: the named parts are replaced; the survey's type never changes. Checked whole once merged. */
export const SurveyPatch = z
  .strictObject({
    name: Name,
    content: z.array(z.unknown(), { error: 'must be a list' }),
    settings: z.record(z.string(), z.unknown(), { error: 'must be an object' }),
    schedules: z.record(z.string(), z.unknown(), { error: 'must be an object' }),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, { error: 'expected at least one of name, content, settings, schedules' });
export type SurveyPatch = z.infer<typeof SurveyPatch>;

export const SurveyQuery = Paging;
