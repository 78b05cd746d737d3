import React from 'react';
import { screen, within } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { aStudy } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import { aSurvey } from '../../tests/study-config-fixtures.ts';
import { testIds } from '../components/testIds.ts';
import SurveyPage from './SurveyPage.tsx';

// Grafana mounts the app under /a/<id>; the editor moves to the new survey's own path after creating it.

/** Key-by-key typing re-renders the whole form per key; a paste is one change, and keeps the tests quick. */
async function fill(user: UserEvent, input: HTMLElement, text: string) {
  await user.clear(input);
  await user.click(input);
  await user.paste(text);
}

const renderSurvey = (id: string) =>
  renderAt(<SurveyPage />, {
    route: '/a/vigil-admin-app/studies/:studyId/surveys/:surveyId',
    path: `/a/vigil-admin-app/studies/1/surveys/${id}`,
  });
const questions = () => screen.getAllByTestId(testIds.surveyEditor.question);

// The first test also loads the editor's modules; on a busy machine that alone takes many seconds.
describe('SurveyPage (the survey editor)', { timeout: 60_000 }, () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend()
      .on('GET', '/studies/1', { body: aStudy() })
      .on('GET', '/studies/1/interventions', { body: { items: [{ id: 3, studyId: 1, name: 'Surgery' }] } })
      .on('GET', '/surveys/5', { body: aSurvey() });
  });

  it('creates a survey with answers, skip logic and a weekly time', async () => {
    backend.on('POST', '/studies/1/surveys', (call) => ({
      status: 201,
      body: aSurvey({ ...(call.body as object), id: 6, version: 1 }),
    }));
    backend.on('GET', '/surveys/6', { body: aSurvey({ id: 6, name: 'Sleep' }) });
    const { user } = renderSurvey('new');
    await fill(user, await screen.findByLabelText('Name'), 'Sleep');

    const first = questions()[0]!;
    expect(within(first).getByLabelText('Type')).toHaveValue('radio_button');
    await fill(user, within(first).getByLabelText('Question text'), 'Did you sleep well?');
    await fill(user, within(first).getByLabelText('Question 1 answer 1'), 'Yes');
    await user.click(within(first).getByRole('button', { name: 'Add answer' }));
    await fill(user, within(first).getByLabelText('Question 1 answer 2'), 'No');

    await user.click(screen.getByRole('button', { name: 'Add question' }));
    const second = questions()[1]!;
    await user.selectOptions(within(second).getByLabelText('Type'), 'free_response');
    await fill(user, within(second).getByLabelText('Question text'), 'What kept you awake?');
    await user.click(within(second).getByRole('radio', { name: 'Only if all of' }));
    expect(within(second).getByLabelText('Condition 1 question')).toHaveDisplayValue('Q1: Did you sleep well?');
    expect(within(second).getByText('0 = Yes, 1 = No')).toBeInTheDocument();
    await fill(user, within(second).getByLabelText('Condition 1 value'), '1');

    await user.click(screen.getByRole('button', { name: 'Add weekly time' }));
    await user.selectOptions(screen.getByLabelText('Weekly time 1 day'), 'Wednesday');
    await fill(user, screen.getByLabelText('Weekly time 1 time'), '20:15');
    await user.click(screen.getByRole('button', { name: 'Create survey' }));

    expect(await screen.findByText('Created survey Sleep.')).toBeInTheDocument();
    const [created] = backend.changes();
    const body = created!.body as { content: Array<Record<string, unknown>>; schedules: unknown; name: string };
    expect(body.name).toBe('Sleep');
    expect(body.content).toEqual([
      {
        question_id: expect.any(String) as unknown,
        question_type: 'radio_button',
        question_text: 'Did you sleep well?',
        answers: [{ text: 'Yes' }, { text: 'No' }],
      },
      {
        question_id: expect.any(String) as unknown,
        question_type: 'free_response',
        question_text: 'What kept you awake?',
        text_field_type: 'SINGLE_LINE_TEXT',
        display_if: { '==': [body.content[0]!.question_id, 1] },
      },
    ]);
    expect(body.schedules).toEqual({ weekly: [{ day: 3, hour: 20, minute: 15 }], absolute: [], relative: [] });
  });

  it('offers "is not" on a radio button but not on a checkbox, whose "!=" stops the iOS app', async () => {
    const { user } = renderSurvey('new');
    await screen.findByLabelText('Name');
    const first = questions()[0]!;
    await fill(user, within(first).getByLabelText('Question 1 answer 1'), 'Yes');
    await user.click(screen.getByRole('button', { name: 'Add question' }));
    const second = questions()[1]!;
    await user.click(within(second).getByRole('radio', { name: 'Only if all of' }));
    const comparisons = () =>
      Array.from(within(questions()[1]!).getByLabelText('Condition 1 comparison').querySelectorAll('option')).map(
        (o) => o.textContent
      );
    expect(comparisons()).toContain('is not');

    await user.selectOptions(within(first).getByLabelText('Type'), 'checkbox');
    expect(comparisons()).not.toContain('is not');
    expect(comparisons()).toContain('is');
  });

  it('shows the ingest’s objections at the question, answer and schedule they name', async () => {
    backend.on(
      'PATCH',
      '/surveys/5',
      ingestError(400, 'INVALID_INPUT', 'content.1.display_if: …', [
        {
          field: 'content.1.display_if.==.0',
          message:
            'question "q-why": refers to question "q-sleep", a free_response (SINGLE_LINE_TEXT) question, whose answer is not a number',
        },
        { field: 'content.0.answers.1.text', message: 'must be a string' },
        {
          field: 'schedules.relative.0.interventionId',
          message: "intervention 3 is not one of study 1's interventions",
        },
        { field: 'content', message: 'must have at most 1000 questions' },
      ])
    );
    const { user } = renderSurvey('5');
    await screen.findAllByTestId(testIds.surveyEditor.question);
    await user.click(screen.getByRole('button', { name: 'Save survey' }));

    const [first, second] = questions();
    expect(
      await within(second!).findByText(
        'Refers to question "q-sleep", a free_response (SINGLE_LINE_TEXT) question, whose answer is not a number.'
      )
    ).toBeInTheDocument();
    expect(within(first!).getByText('Must be a string.')).toBeInTheDocument();
    expect(screen.getByText("Intervention 3 is not one of study 1's interventions.")).toBeInTheDocument();
    expect(screen.getByText('Must have at most 1000 questions.')).toBeInTheDocument();
    expect(screen.getByText('4 problems need fixing, as shown at their fields.')).toBeInTheDocument();
    expect(screen.queryByText(/content\.1/)).not.toBeInTheDocument();
  });

  it('says what is wrong with a time before sending anything', async () => {
    const { user } = renderSurvey('5');
    const time = await screen.findByLabelText('Weekly time 1 time');
    await fill(user, time, '9h');
    await user.click(screen.getByRole('button', { name: 'Save survey' }));
    expect(await screen.findByText('Time must be a time such as 09:30 (24-hour clock).')).toBeInTheDocument();
    expect(backend.changes()).toEqual([]);
  });

  it('saves a change as a new version, keeping the existing skip logic and schedules', async () => {
    backend.on('PATCH', '/surveys/5', (call) => ({ body: aSurvey({ ...(call.body as object), version: 3 }) }));
    const { user } = renderSurvey('5');
    const [, second] = await screen.findAllByTestId(testIds.surveyEditor.question);
    expect(within(second!).getByLabelText('Condition 1 question')).toHaveDisplayValue('Q1: Did you sleep well?');
    expect(screen.getByLabelText('Relative time 1 intervention')).toHaveDisplayValue('Surgery');
    await fill(user, screen.getByLabelText('Name'), 'Evening check-in');
    await user.click(screen.getByRole('button', { name: 'Save survey' }));

    expect(await screen.findByText('Saved survey Evening check-in (version 3).')).toBeInTheDocument();
    const patch = backend.changes()[0]!.body as Record<string, unknown>;
    expect(patch).not.toHaveProperty('surveyType');
    expect(patch).toMatchObject({
      name: 'Evening check-in',
      content: aSurvey().content,
      schedules: {
        weekly: [{ day: 1, hour: 9, minute: 0 }],
        absolute: [],
        relative: [{ interventionId: 3, daysAfter: 7, hour: 10, minute: 30 }],
      },
    });
  });

  it('creates an audio survey with its prompt and recording settings', async () => {
    backend.on('POST', '/studies/1/surveys', { status: 201, body: aSurvey({ id: 8, surveyType: 'audio_survey' }) });
    backend.on('GET', '/surveys/8', {
      body: aSurvey({ id: 8, surveyType: 'audio_survey', content: [{ prompt: 'x' }] }),
    });
    const { user } = renderAt(<SurveyPage />, {
      route: '/a/vigil-admin-app/studies/:studyId/surveys/:surveyId',
      path: '/a/vigil-admin-app/studies/1/surveys/new?type=audio_survey',
    });
    await fill(user, await screen.findByLabelText('What the participant reads before recording'), 'Read the passage');
    await user.selectOptions(screen.getByLabelText('Recording format'), 'raw');
    await user.click(screen.getByRole('button', { name: 'Create survey' }));
    await screen.findByText(/Created survey/);
    expect(backend.changes()[0]!.body).toMatchObject({
      surveyType: 'audio_survey',
      content: [{ prompt: 'Read the passage' }],
      settings: { audio_survey_type: 'raw', bit_rate: 64000, sample_rate: 44100 },
    });
  });

  it('adds an intervention and schedules the survey relative to it', async () => {
    backend
      .on('POST', '/studies/1/interventions', (call) => ({
        status: 201,
        body: { id: 4, studyId: 1, name: (call.body as { name: string }).name },
      }))
      .on('PATCH', '/surveys/5', (call) => ({ body: aSurvey({ ...(call.body as object), version: 3 }) }));
    const { user } = renderSurvey('5');
    await fill(user, await screen.findByLabelText(/^New intervention/), 'Discharge');
    backend.on('GET', '/studies/1/interventions', {
      body: {
        items: [
          { id: 3, studyId: 1, name: 'Surgery' },
          { id: 4, studyId: 1, name: 'Discharge' },
        ],
      },
    });
    await user.click(screen.getByRole('button', { name: 'Add intervention' }));
    expect(await screen.findByText('Added intervention Discharge.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Add relative time' }));
    await user.selectOptions(await screen.findByLabelText('Relative time 2 intervention'), 'Discharge');
    await fill(user, screen.getByLabelText('Relative time 2 days after'), '-2');
    await user.click(screen.getByRole('button', { name: 'Save survey' }));
    await screen.findByText(/Saved survey/);
    expect(backend.changes().map((c) => c.body)).toEqual([
      { name: 'Discharge' },
      expect.objectContaining({
        schedules: expect.objectContaining({
          relative: [
            { interventionId: 3, daysAfter: 7, hour: 10, minute: 30 },
            { interventionId: 4, daysAfter: -2, hour: 9, minute: 0 },
          ],
        }) as unknown,
      }),
    ]);
  });

  it('lets a Viewer read the survey but not change it', async () => {
    signInAs('Viewer');
    renderSurvey('5');
    const [first] = await screen.findAllByTestId(testIds.surveyEditor.question);
    expect(within(first!).getByLabelText('Question text')).toBeDisabled();
    expect(screen.getByLabelText('Name')).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Save survey' })).toBeDisabled();
    expect(screen.getAllByText('Only organisation Admins can change this; you are a Viewer.').length).toBeGreaterThan(
      0
    );
  });
});
