import { z } from 'zod';
import type { LogicNode } from './skip-logic.ts';
import { skipLogicProblems } from './skip-logic.ts';

/**
 * Survey `content` and `settings` as Beiwe stores them and the apps read them (spec §7.2, §7.3).
 * Known keys are checked; keys Vigil does not know inside a question or a settings object are kept
 * as they are, because Beiwe stores these objects verbatim and the apps ignore what they do not read.
 */

export const QUESTION_TYPES = [
  'info_text_box',
  'slider',
  'radio_button',
  'checkbox',
  'free_response',
  'date',
  'time',
  'date_time',
] as const;

export const TEXT_FIELD_TYPES = ['NUMERIC', 'SINGLE_LINE_TEXT', 'MULTI_LINE_TEXT'] as const;

const common = {
  question_id: z
    .string({ error: 'must be a string (a UUID)' })
    .min(1, { error: 'must not be empty' })
    .max(200, { error: 'must be at most 200 characters' }),
  question_text: z.string({ error: 'must be a string' }).max(50_000, { error: 'must be at most 50000 characters' }),
  // Checked with the whole list by skipLogicProblems: it depends on the questions before this one.
  display_if: z.custom<LogicNode | null>(() => true).optional(),
  required: z.boolean({ error: 'must be true or false' }).optional(),
};

/** Both apps coerce slider bounds sent as JSON strings to integers; they are kept as sent. */
const SliderBound = z.union([z.int(), z.string().regex(/^-?\d+$/)], {
  error: 'must be a whole number (or a string of one)',
});

/**
 * May be empty: Beiwe stores survey content as given and real study files have such questions.
 * Phones get an empty one as text to read (see `phone-surveys.ts`).
 */
const Answers = z.array(z.looseObject({ text: z.string({ error: 'must be a string' }) }), {
  error: 'must be a list of {"text": …} answers',
});

const Slider = z
  .looseObject({ ...common, question_type: z.literal('slider'), min: SliderBound, max: SliderBound })
  .refine((q) => Number(q.min) < Number(q.max), { error: 'min must be less than max', path: ['max'] });

const Question = z.discriminatedUnion(
  'question_type',
  [
    z.looseObject({ ...common, question_type: z.literal('info_text_box') }),
    Slider,
    z.looseObject({ ...common, question_type: z.literal('radio_button'), answers: Answers }),
    z.looseObject({ ...common, question_type: z.literal('checkbox'), answers: Answers }),
    z.looseObject({
      ...common,
      question_type: z.literal('free_response'),
      text_field_type: z.enum(TEXT_FIELD_TYPES, { error: `must be one of ${TEXT_FIELD_TYPES.join(', ')}` }),
    }),
    z.looseObject({ ...common, question_type: z.literal('date') }),
    z.looseObject({ ...common, question_type: z.literal('time') }),
    z.looseObject({ ...common, question_type: z.literal('date_time') }),
  ],
  { error: `question_type must be one of ${QUESTION_TYPES.join(', ')}` }
);
export type Question = z.infer<typeof Question>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A tracking survey's questions: each checked, ids unique, skip logic only on earlier numeric answers. */
export const TrackingContent = z
  .array(Question, { error: 'must be a list of questions' })
  .max(1000, { error: 'must have at most 1000 questions' })
  .superRefine(
    (questions: readonly unknown[], ctx) => {
      const seen = new Set<string>();
      questions.forEach((q, i) => {
        if (!isObject(q) || typeof q.question_id !== 'string') return;
        if (seen.has(q.question_id)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'question_id'],
            message: `question id ${JSON.stringify(q.question_id)} is used by an earlier question too`,
          });
        }
        seen.add(q.question_id);
      });
      for (const p of skipLogicProblems(questions)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    },
    // Runs even when a question is malformed, so one answer lists every problem (but not on what is no list).
    { when: (payload) => Array.isArray(payload.value) }
  );

/** An audio survey's content: the prompt the participant reads before recording. */
export const AudioContent = z
  .array(z.looseObject({ prompt: z.string({ error: 'must be a string' }) }), {
    error: 'must be a list of {"prompt": …}',
  })
  .max(10, { error: 'must have at most 10 prompts' });

const flag = z.boolean({ error: 'must be true or false' });

export const TrackingSettings = z.looseObject(
  {
    trigger_on_first_download: flag.optional(),
    randomize: flag.optional(),
    randomize_with_memory: flag.optional(),
    // 0 or null: show every question.
    number_of_random_questions: z
      .int({ error: 'must be a whole number or null' })
      .min(0, { error: 'must be at least 0' })
      .nullable()
      .optional(),
    always_available: flag.optional(),
  },
  { error: 'must be an object' }
);

export const AudioSettings = z.looseObject(
  {
    trigger_on_first_download: flag.optional(),
    always_available: flag.optional(),
    audio_survey_type: z.enum(['compressed', 'raw'], { error: 'must be compressed or raw' }).optional(),
    bit_rate: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).optional(),
    sample_rate: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).optional(),
  },
  { error: 'must be an object' }
);

export const DEFAULT_TRACKING_SETTINGS = {
  trigger_on_first_download: false,
  randomize: false,
  randomize_with_memory: false,
  number_of_random_questions: null,
  always_available: false,
};

/** Beiwe's `AUDIO_SURVEY_SETTINGS`, plus the two flags its editor adds. */
export const DEFAULT_AUDIO_SETTINGS = {
  trigger_on_first_download: false,
  always_available: false,
  audio_survey_type: 'compressed' as const,
  bit_rate: 64000,
  sample_rate: 44100,
};

export const SURVEY_TYPES = ['tracking_survey', 'audio_survey'] as const;
export type SurveyType = (typeof SURVEY_TYPES)[number];
