import { z } from 'zod';
import { SourcePriorities } from '../source-priority/schemas.ts';
import { MEASUREMENTS } from '../wearables/measurements.ts';
import { isCalendarDate } from './schedules.ts';
import { AudioContent, AudioSettings, SURVEY_TYPES, TrackingContent, TrackingSettings } from './survey-content.ts';

/**
 * The shape of Beiwe's study settings file (spec §7.1). Content and settings are checked as the
 * admin API checks them; the schedules are Beiwe's lists of seconds into the day.
 */

const Seconds = z
  .int({ error: 'must be whole seconds into the day' })
  .min(0, { error: 'must be 0–86399 seconds' })
  .max(86_399, { error: 'must be 0–86399 seconds' });

const Weekly = z
  .array(z.array(Seconds, { error: 'must be a list of seconds' }), { error: 'must be 7 lists of seconds' })
  .length(7, { error: 'must be 7 lists, Sunday first' })
  .nullable();

const Absolute = z
  .array(
    z
      .tuple([z.int(), z.int(), z.int(), Seconds], { error: 'must be [year, month, day, seconds]' })
      .refine(([y, m, d]) => isCalendarDate(isoDateOf(y, m, d)), {
        error: 'is not a date in the calendar',
      }),
    { error: 'must be a list of [year, month, day, seconds]' }
  )
  .nullable();

/** A name, or (in very old exports) the exporting database's intervention key. */
export const Relative = z
  .array(
    z.tuple(
      [
        z.union([z.string().trim().min(1).max(200), z.int()], { error: 'must be an intervention name' }),
        z.int({ error: 'must be a whole number of days' }).min(-36_500).max(36_500),
        Seconds,
      ],
      { error: 'must be [intervention, days after, seconds]' }
    ),
    { error: 'must be a list of [intervention, days after, seconds]' }
  )
  .nullable();

const surveyFields = {
  name: z.string({ error: 'must be a string' }).max(10_000).optional(),
  timings: Weekly.optional(),
  absolute_timings: Absolute.optional(),
  relative_timings: Relative.optional(),
};

const KnownSurvey = z.discriminatedUnion('survey_type', [
  z.strictObject({
    survey_type: z.literal('tracking_survey'),
    content: TrackingContent,
    settings: TrackingSettings,
    ...surveyFields,
  }),
  z.strictObject({
    survey_type: z.literal('audio_survey'),
    content: AudioContent,
    settings: AudioSettings,
    ...surveyFields,
  }),
]);

/**
 * A survey of a type Vigil does not serve (image surveys, types of other Beiwe versions): kept as
 * given, never sent to phones. Beiwe's `survey_type` column holds 16 characters; `content` and
 * `settings` are JSON text there, so any JSON, but Beiwe's import needs both keys.
 */
const OtherSurvey = z.strictObject({
  survey_type: z
    .string({ error: 'must be a survey type name' })
    .min(1, { error: 'must not be empty' })
    .max(16, { error: 'must be at most 16 characters (Beiwe keeps no more)' }),
  content: z.custom<unknown>((v) => v !== undefined, { error: 'is missing: Beiwe needs it' }),
  settings: z.custom<unknown>((v) => v !== undefined, { error: 'is missing: Beiwe needs it' }),
  ...surveyFields,
});

/** The keys of a survey Vigil reads; any other is kept as it is (`beiwe_extra`). */
export const SURVEY_KEYS = [
  'content',
  'survey_type',
  'settings',
  'name',
  'timings',
  'absolute_timings',
  'relative_timings',
] as const;

/** Tracking and audio surveys are checked as the admin API checks them; any other type is kept. */
export function fileSurveySchema(item: Record<string, unknown>) {
  return (SURVEY_TYPES as readonly unknown[]).includes(item.survey_type) ? KnownSurvey : OtherSurvey;
}

export const FileParts = {
  surveys: z.array(z.unknown(), { error: 'must be a list of surveys' }),
  device_settings: z.record(z.string(), z.unknown(), { error: 'must be an object' }),
  interventions: z.array(
    z
      .string({ error: 'must be a name' })
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(200, { error: 'must be at most 200 characters' }),
    { error: 'must be a list of names' }
  ),
  study_time_zone: z
    .string({ error: 'must be a time zone name' })
    .refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/London' }),
  /**
   * Vigil's, not Beiwe's: the wearable measurements the study collects (`wearables/measurements.ts`).
   * Beiwe's import reads only the surveys, device settings and interventions of a file and ignores
   * every other key, so a file carrying it still imports there.
   */
  wearable_measurements: z
    .array(z.enum(MEASUREMENTS, { error: `is not a measurement; known: ${MEASUREMENTS.join(', ')}` }), {
      error: 'must be a list of measurement names',
    })
    .max(100, { error: 'must list at most 100 measurements' }),
  /**
   * Vigil's too: per measurement, the sources the study prefers, as `PUT …/source-priority` takes
   * them (`source-priority/schemas.ts`); a measurement left out keeps the default order.
   */
  wearable_source_priorities: SourcePriorities,
};

/** `YYYY-MM-DD` from Beiwe's [year, month, day]. */
export const isoDateOf = (y: number, m: number, d: number) =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
