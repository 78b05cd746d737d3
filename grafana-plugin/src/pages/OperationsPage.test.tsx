import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { ingestError, installFakeBackend, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import { testIds } from '../components/testIds.ts';
import OperationsPage from './OperationsPage.tsx';

describe('OperationsPage', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend()
      .on('GET', '/queue', {
        body: {
          queued: 4,
          running: 1,
          dead: 2,
          oldestQueuedAt: '2026-11-21T09:00:00.000Z',
          oldestQueuedAgeSeconds: 3720,
        },
      })
      .on('GET', '/me', {
        body: { login: 'ann', role: 'Admin', isServerAdmin: false, canChange: true, retentionDays: 30 },
      })
      .on('GET', '/push/credentials', {
        body: {
          serviceAccount: true,
          android: false,
          ios: false,
          projectId: 'vigil-study-app',
          problem: null,
          updatedAt: null,
          updatedBy: null,
        },
      });
  });

  it('shows the processing queue and warns about dead jobs', async () => {
    renderAt(<OperationsPage />);
    const queue = await screen.findByTestId('data-testid vigil queue');
    expect(within(queue).getByText('Waiting').nextSibling).toHaveTextContent('4');
    expect(within(queue).getByText('Gave up (dead)').nextSibling).toHaveTextContent('2');
    expect(within(queue).getByText('1 h 2 min')).toBeInTheDocument();
    expect(screen.getByText('Some uploads could not be processed')).toBeInTheDocument();
    expect(await screen.findByText(/can be restored for 30 days/)).toBeInTheDocument();
  });

  it('has the Firebase credentials under Push notifications', async () => {
    renderAt(<OperationsPage />);
    expect(screen.getByRole('heading', { name: 'Push notifications' })).toBeInTheDocument();
    const section = await screen.findByTestId(testIds.pushCredentials.section);
    expect(await within(section).findByText(/Firebase project: vigil-study-app\./)).toBeInTheDocument();
  });

  it('purges after confirmation and says what went', async () => {
    backend.on('POST', '/purge', { body: { purged: { studies: 1, participants: 3 } } });
    const { user } = renderAt(<OperationsPage />);
    await user.click(await screen.findByRole('button', { name: /Purge expired deletions/ }));
    expect(backend.changes()).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Purge' }));
    expect(await screen.findByText('Purged 1 studies and 3 participants.')).toBeInTheDocument();
  });

  it('explains a failed purge in words', async () => {
    backend.on('POST', '/purge', { status: 403, body: { message: 'plugin proxy route access denied' } });
    const { user } = renderAt(<OperationsPage />);
    await user.click(await screen.findByRole('button', { name: /Purge expired deletions/ }));
    await user.click(screen.getByRole('button', { name: 'Purge' }));
    expect(
      await screen.findByText('The purge failed: Your Grafana role does not allow this: changes need the Admin role.')
    ).toBeInTheDocument();
  });

  it('lets a Viewer watch but not purge', async () => {
    signInAs('Viewer');
    backend.on('GET', '/me', ingestError(500, 'INTERNAL', 'internal error (request r1)'));
    renderAt(<OperationsPage />);
    expect(await screen.findByRole('button', { name: /Purge expired deletions/ })).toBeDisabled();
  });
});
