import { describe, expect, it } from 'vitest';
import { fieldProblems } from './problems.ts';
import { normaliseSchedules } from './schedules.ts';
import { TrackingContent } from './survey-content.ts';
import { NewSurvey } from './survey-schema.ts';

const problems = (body: unknown) => {
  const result = NewSurvey.safeParse(body);
  return result.success ? [] : fieldProblems(result.error);
};

const everyType = [
  { question_id: 'q1', question_text: 'Welcome', question_type: 'info_text_box' },
  { question_id: 'q2', question_text: 'Mood', question_type: 'slider', min: '0', max: '10' },
  {
    question_id: 'q3',
    question_text: 'Sleep',
    question_type: 'radio_button',
    answers: [{ text: 'bad' }, { text: 'good' }],
  },
  { question_id: 'q4', question_text: 'Which', question_type: 'checkbox', answers: [{ text: 'a' }] },
  { question_id: 'q5', question_text: 'Hours', question_type: 'free_response', text_field_type: 'NUMERIC' },
  { question_id: 'q6', question_text: 'Day', question_type: 'date', required: true },
  { question_id: 'q7', question_text: 'Time', question_type: 'time' },
  { question_id: 'q8', question_text: 'When', question_type: 'date_time', display_if: { '>': ['q2', 3] } },
];

describe('survey bodies', () => {
  it('accept every question type of §7.2, slider bounds as strings, and keep unknown question keys', () => {
    const result = NewSurvey.parse({
      surveyType: 'tracking_survey',
      name: 'Daily',
      content: [...everyType, { ...everyType[0], question_id: 'q9', colour: 'blue' }],
    });
    expect(result.content).toHaveLength(9);
    expect(result.content[8]).toMatchObject({ colour: 'blue' });
    expect(result.settings).toEqual({
      trigger_on_first_download: false,
      randomize: false,
      randomize_with_memory: false,
      number_of_random_questions: null,
      always_available: false,
    });
    expect(result.schedules).toEqual({ weekly: [], absolute: [], relative: [] });
  });

  it('give audio surveys Beiwe audio settings and a prompt', () => {
    expect(NewSurvey.parse({ surveyType: 'audio_survey' })).toMatchObject({
      content: [{ prompt: '' }],
      settings: { audio_survey_type: 'compressed', bit_rate: 64000, sample_rate: 44100 },
    });
  });

  it('name every bad field: types, answers, text field types, slider bounds, duplicate ids, skip logic', () => {
    const found = problems({
      surveyType: 'tracking_survey',
      content: [
        { question_id: 'a', question_text: 'x', question_type: 'essay' },
        { question_id: 'b', question_text: 'x', question_type: 'radio_button', answers: [{ label: 'no text' }] },
        { question_id: 'c', question_text: 'x', question_type: 'free_response', text_field_type: 'EMAIL' },
        { question_id: 'd', question_text: 'x', question_type: 'slider', min: 5, max: 5 },
        { question_id: 'd', question_text: 'x', question_type: 'info_text_box', display_if: { '==': ['zz', 1] } },
      ],
      settings: { number_of_random_questions: -1 },
      schedules: { weekly: [{ day: 7, hour: 24, minute: 0 }], absolute: [{ date: '2026-02-30', hour: 9, minute: 0 }] },
    });
    expect(found.map((f) => f.field)).toEqual([
      'content.0.question_type',
      'content.1.answers.0.text',
      'content.2.text_field_type',
      'content.3.max',
      'content.4.question_id',
      'content.4.display_if.==.0',
      'settings.number_of_random_questions',
      'schedules.weekly.0.day',
      'schedules.weekly.0.hour',
      'schedules.absolute.0.date',
    ]);
    expect(found[3]?.message).toBe('min must be less than max');
    expect(found[5]?.message).toBe('question "d": refers to question "zz", which is not in this survey');
  });

  it('refuse a choice question with no answers, which study files may hold (Beiwe stores them as given)', () => {
    const content = [{ question_id: 'b', question_text: 'x', question_type: 'checkbox', answers: [] }];
    expect(problems({ surveyType: 'tracking_survey', content })).toEqual([
      { field: 'content.0.answers', message: 'needs at least one answer' },
    ]);
    expect(TrackingContent.safeParse(content).success).toBe(true);
  });

  it('refuse an unknown survey type and unknown keys', () => {
    expect(problems({ surveyType: 'image_survey' }).map((f) => f.field)).toEqual(['surveyType']);
    expect(problems({ surveyType: 'audio_survey', colour: 1 })).toEqual([
      { field: 'colour', message: 'is not a known field' },
    ]);
  });
});

describe('schedules', () => {
  it('are kept sorted and without duplicates', () => {
    expect(
      normaliseSchedules({
        weekly: [
          { day: 3, hour: 9, minute: 0 },
          { day: 0, hour: 18, minute: 30 },
          { day: 3, hour: 9, minute: 0 },
          { day: 0, hour: 8, minute: 0 },
        ],
        absolute: [
          { date: '2026-12-01', hour: 9, minute: 0 },
          { date: '2026-11-30', hour: 9, minute: 0 },
        ],
        relative: [
          { interventionId: 2, daysAfter: 1, hour: 9, minute: 0 },
          { interventionId: 1, daysAfter: 7, hour: 9, minute: 0 },
          { interventionId: 1, daysAfter: 7, hour: 9, minute: 0 },
        ],
      })
    ).toEqual({
      weekly: [
        { day: 0, hour: 8, minute: 0 },
        { day: 0, hour: 18, minute: 30 },
        { day: 3, hour: 9, minute: 0 },
      ],
      absolute: [
        { date: '2026-11-30', hour: 9, minute: 0 },
        { date: '2026-12-01', hour: 9, minute: 0 },
      ],
      relative: [
        { interventionId: 1, daysAfter: 7, hour: 9, minute: 0 },
        { interventionId: 2, daysAfter: 1, hour: 9, minute: 0 },
      ],
    });
  });
});

describe('content that is not a list', () => {
  it.each([['text'], [null], [0], [{ question_id: 'q1' }]])('%j is a field problem, not a thrown error', (content) => {
    expect(problems({ surveyType: 'tracking_survey', name: 'n', content })).toEqual([
      { field: 'content', message: 'must be a list of questions' },
    ]);
  });
});
