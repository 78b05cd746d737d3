import type { Prng } from './prng.ts';
import type { PhoneOs } from './types.ts';

/** Survey definitions as `download_surveys` returns them (specs/beiwe-protocol.md §2.3, §7.2, §7.3). */

export type QuestionType =
  'info_text_box' | 'slider' | 'radio_button' | 'checkbox' | 'free_response' | 'date' | 'time' | 'date_time';

export type SurveyQuestion = {
  questionId: string;
  type: QuestionType;
  text: string;
  min?: number;
  max?: number;
  answers?: string[];
  textFieldType?: string;
};

export type TrackingSurvey = { id: string; questions: SurveyQuestion[] };
export type AudioSurvey = { id: string; format: 'compressed' | 'raw'; bitRate: number; sampleRate: number };
export type SurveySet = { tracking: TrackingSurvey[]; audio: AudioSurvey[] };

const QUESTION_TYPES: readonly QuestionType[] = [
  'info_text_box',
  'slider',
  'radio_button',
  'checkbox',
  'free_response',
  'date',
  'time',
  'date_time',
];

/**
 * A built-in pair of surveys for when none were downloaded. The texts carry commas, a tab and a
 * newline on purpose: both apps sanitise those differently in survey files (§4.2).
 */
export function defaultSurveys(random: Prng, os: PhoneOs): SurveySet {
  const uuid = () => `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-a${random.hex(3)}-${random.hex(12)}`;
  return {
    tracking: [
      {
        id: random.hex(24),
        questions: [
          { questionId: uuid(), type: 'info_text_box', text: 'Welcome back.\nPlease answer honestly, thank you.' },
          {
            questionId: uuid(),
            type: 'radio_button',
            text: 'How did you sleep, overall?',
            answers: ['Badly', 'OK, I guess', 'Well'],
          },
          {
            questionId: uuid(),
            type: 'checkbox',
            text: 'Which of these apply today?',
            answers: ['Tired', 'Anxious, restless', 'Energetic'],
          },
          { questionId: uuid(), type: 'slider', text: 'Rate your mood\t(0 = worst)', min: 0, max: 10 },
          { questionId: uuid(), type: 'free_response', text: 'Hours slept', textFieldType: 'NUMERIC' },
          { questionId: uuid(), type: 'free_response', text: 'Anything else?', textFieldType: 'MULTI_LINE_TEXT' },
        ],
      },
    ],
    // Android's recorder defaults to compressed (AAC in MP4); the iOS default here is raw WAV so the
    // two phones between them upload both audio containers.
    audio: [{ id: random.hex(24), format: os === 'android' ? 'compressed' : 'raw', bitRate: 64000, sampleRate: 44100 }],
  };
}

/** Reads a `download_surveys` response; anything it does not understand is skipped, never guessed. */
export function surveysFromDownload(json: unknown): SurveySet {
  const set: SurveySet = { tracking: [], audio: [] };
  if (!Array.isArray(json)) return set;
  for (const item of json as unknown[]) {
    if (!isRecord(item) || typeof item._id !== 'string') continue;
    const settings = isRecord(item.settings) ? item.settings : {};
    if (item.survey_type === 'audio_survey') {
      set.audio.push({
        id: item._id,
        format: settings.audio_survey_type === 'raw' ? 'raw' : 'compressed',
        bitRate: toInt(settings.bit_rate) ?? 64000,
        sampleRate: toInt(settings.sample_rate) ?? 44100,
      });
    } else if (item.survey_type === 'tracking_survey' && Array.isArray(item.content)) {
      const questions = (item.content as unknown[]).flatMap((q): SurveyQuestion[] => {
        if (!isRecord(q) || typeof q.question_id !== 'string') return [];
        const type = QUESTION_TYPES.find((t) => t === q.question_type);
        if (type === undefined) return [];
        const answers = Array.isArray(q.answers)
          ? (q.answers as unknown[]).map((a) => (isRecord(a) && typeof a.text === 'string' ? a.text : ''))
          : undefined;
        const question: SurveyQuestion = {
          questionId: q.question_id,
          type,
          text: typeof q.question_text === 'string' ? q.question_text : '',
        };
        // Both apps coerce slider bounds that arrive as JSON strings to integers.
        const min = toInt(q.min);
        const max = toInt(q.max);
        if (min !== undefined) question.min = min;
        if (max !== undefined) question.max = max;
        if (answers) question.answers = answers;
        if (typeof q.text_field_type === 'string') question.textFieldType = q.text_field_type;
        return [question];
      });
      set.tracking.push({ id: item._id, questions });
    }
  }
  return set;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toInt(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number.parseInt(value, 10) : value;
  return typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) : undefined;
}
