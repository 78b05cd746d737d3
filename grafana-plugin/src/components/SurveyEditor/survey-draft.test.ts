import { describe, expect, it } from 'vitest';
import { aSurvey } from '../../../tests/study-config-fixtures.ts';
import { fromDraft, readLogic, toDraft, withType } from './survey-draft.ts';

describe('the survey editor’s draft', () => {
  it('reads skip logic as conditions where it is a flat and/or of comparisons, as JSON otherwise', () => {
    expect(readLogic(undefined)).toEqual({ mode: 'always' });
    expect(readLogic({})).toEqual({ mode: 'always' });
    expect(readLogic({ '>=': ['a', 3] })).toEqual({
      mode: 'all',
      conditions: [{ questionId: 'a', op: '>=', value: '3' }],
    });
    expect(readLogic({ or: [{ '==': ['a', 1] }, { '<': ['b', '2'] }] })).toEqual({
      mode: 'any',
      conditions: [
        { questionId: 'a', op: '==', value: '1' },
        { questionId: 'b', op: '<', value: '2' },
      ],
    });
    expect(readLogic({ not: { '==': ['a', 1] } })).toEqual({
      mode: 'advanced',
      text: JSON.stringify({ not: { '==': ['a', 1] } }, null, 2),
    });
  });

  it('gives back the survey it read, unchanged', () => {
    const survey = aSurvey();
    const result = fromDraft(toDraft(survey));
    expect(result).toEqual({
      definition: {
        surveyType: 'tracking_survey',
        name: survey.name,
        content: survey.content,
        settings: survey.settings,
        schedules: {
          weekly: survey.schedules.weekly,
          absolute: [],
          relative: [{ interventionId: 3, daysAfter: 7, hour: 10, minute: 30 }],
        },
      },
    });
  });

  it('names what only the browser can tell, at the ingest’s field paths', () => {
    const draft = toDraft(aSurvey());
    draft.weekly[0]!.time = '25:00';
    draft.relative[0]!.daysAfter = '1.5';
    draft.questions[1]!.logic = { mode: 'advanced', text: '{"==": ' };
    const result = fromDraft(draft);
    expect('problems' in result && result.problems.map((p) => p.field)).toEqual([
      'content.1.display_if',
      'schedules.weekly.0.time',
      'schedules.relative.0.daysAfter',
    ]);
  });

  it('changes a question’s type, dropping what only the old type had', () => {
    const radio = {
      question_id: 'a',
      question_text: 'Q',
      question_type: 'radio_button',
      answers: [{ text: 'x' }],
      extra: 1,
    };
    expect(withType(radio, 'slider')).toEqual({
      question_id: 'a',
      question_text: 'Q',
      question_type: 'slider',
      min: 0,
      max: 10,
      extra: 1,
    });
    expect(withType(radio, 'checkbox')).toMatchObject({ answers: [{ text: 'x' }] });
  });
});
