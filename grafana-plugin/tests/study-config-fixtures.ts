import type { Survey } from '../src/api/study-config.ts';

/** Survey answers as the ingest shapes them, with overridable fields. */
export function aSurvey(overrides: Partial<Survey> = {}): Survey {
  return {
    id: 5,
    studyId: 1,
    objectId: 'SuRvEyObJeCtIdXXXXXXXXXX',
    surveyType: 'tracking_survey',
    name: 'Morning check-in',
    content: [
      {
        question_id: 'q-sleep',
        question_type: 'radio_button',
        question_text: 'Did you sleep well?',
        answers: [{ text: 'Yes' }, { text: 'No' }],
      },
      {
        question_id: 'q-why',
        question_type: 'free_response',
        question_text: 'What kept you awake?',
        text_field_type: 'MULTI_LINE_TEXT',
        display_if: { '==': ['q-sleep', 1] },
      },
    ],
    settings: {
      trigger_on_first_download: false,
      randomize: false,
      randomize_with_memory: false,
      number_of_random_questions: null,
      always_available: false,
    },
    schedules: {
      weekly: [{ day: 1, hour: 9, minute: 0 }],
      absolute: [],
      relative: [{ interventionId: 3, intervention: 'Surgery', daysAfter: 7, hour: 10, minute: 30 }],
    },
    version: 2,
    createdAt: '2026-11-20T09:00:00.000Z',
    updatedAt: '2026-11-21T09:00:00.000Z',
    deletedAt: null,
    ...overrides,
  };
}
