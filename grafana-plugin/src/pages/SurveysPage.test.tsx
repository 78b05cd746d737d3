import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { aStudy } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, page, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import { aSurvey } from '../../tests/study-config-fixtures.ts';
import SurveysPage from './SurveysPage.tsx';

const renderSurveys = () =>
  renderAt(<SurveysPage />, { route: 'studies/:studyId/surveys', path: '/studies/1/surveys' });

describe('SurveysPage', { timeout: 20_000 }, () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend()
      .on('GET', '/studies/1', { body: aStudy() })
      .on(
        'GET',
        '/studies/1/surveys',
        page([
          aSurvey(),
          aSurvey({
            id: 7,
            name: '',
            surveyType: 'audio_survey',
            content: [{ prompt: 'Read aloud' }],
            schedules: { weekly: [], absolute: [], relative: [] },
          }),
        ])
      );
  });

  it('lists the surveys with what they ask and when they go out, linked to their editor', async () => {
    renderSurveys();
    const link = await screen.findByRole('link', { name: 'Morning check-in' }, { timeout: 5000 });
    expect(link).toHaveAttribute('href', '/a/vigil-admin-app/studies/1/surveys/5');
    const row = link.closest('tr')!;
    expect(within(row).getByText('2 questions')).toBeInTheDocument();
    expect(within(row).getByText('Mon 09:00, 7 d after Surgery')).toBeInTheDocument();
    const audio = screen.getByRole('link', { name: 'Survey 7' }).closest('tr')!;
    expect(within(audio).getByText('Audio recording')).toBeInTheDocument();
    expect(within(audio).getByText('Not scheduled')).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: /Surveys/ })).toBeInTheDocument();
  });

  it('deletes with an Undo, and says why a delete failed', async () => {
    backend
      .on('DELETE', '/surveys/5', { body: aSurvey({ deletedAt: '2026-11-21T10:00:00.000Z' }) })
      .on('POST', '/surveys/5/restore', { body: aSurvey() })
      .on('DELETE', '/surveys/7', ingestError(409, 'CONFLICT', 'survey 7 is already deleted'));
    const { user } = renderSurveys();
    await user.click(await screen.findByRole('button', { name: 'Delete Morning check-in' }));
    const notice = await screen.findByTestId('data-testid vigil notice');
    expect(within(notice).getByText('Deleted Morning check-in.')).toBeInTheDocument();
    await user.click(within(notice).getByRole('button', { name: /Undo/ }));
    expect(backend.changes().map((c) => `${c.method} ${c.path}`)).toEqual([
      'DELETE /surveys/5',
      'POST /surveys/5/restore',
    ]);

    await user.click(screen.getByRole('button', { name: 'Delete Survey 7' }));
    expect(await screen.findByText('Could not delete Survey 7: Survey 7 is already deleted.')).toBeInTheDocument();
  });

  it('lets a Viewer see the surveys but not create or delete them', async () => {
    signInAs('Viewer');
    renderSurveys();
    await screen.findByRole('link', { name: 'Morning check-in' });
    for (const name of ['New survey', 'New audio survey', 'Delete Morning check-in']) {
      expect(screen.getByRole('button', { name })).toBeDisabled();
    }
  });
});
