import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SyncAlerts, SyncDigest } from '../api/types.ts';
import { aStudy } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, page, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import NotificationsPage from './NotificationsPage.tsx';

const settings = (overrides: Partial<SyncAlerts> = {}): SyncAlerts => ({
  studyId: 1,
  recipients: ['nurse@clinic.example'],
  staleDeviceDays: null,
  effectiveStaleDeviceDays: 3,
  reminderDays: 7,
  mailEnabled: true,
  ...overrides,
});

const digest: SyncDigest = {
  id: 5,
  sentAt: '2026-11-20T07:00:00.000Z',
  recipients: ['nurse@clinic.example'],
  error: null,
  episodes: [
    {
      kind: 'stale_device',
      participantId: 11,
      participantLabel: 'patient_1',
      provider: 'withings',
      device: 'ScanWatch',
      daysSinceSync: 4,
      action: 'Ask the patient to open the Withings app.',
    },
    {
      kind: 'needs_consent',
      participantId: 12,
      participantLabel: 'patient_2',
      provider: 'polar',
      device: null,
      daysSinceSync: null,
      action: 'Send a new connect link.',
    },
  ],
};

const renderNotifications = () =>
  renderAt(<NotificationsPage />, { route: 'studies/:studyId/notifications', path: '/studies/1/notifications' });

describe('NotificationsPage', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend()
      .on('GET', '/studies/1', { body: aStudy() })
      .on('GET', '/studies/1/sync-alerts', { body: settings() })
      .on(
        'GET',
        '/studies/1/sync-digests',
        page([digest, { ...digest, id: 6, error: 'SMTP refused: 550 mailbox unavailable', episodes: [] }])
      );
  });

  it('shows the recipients, the threshold with its default, and the digests sent with what they were about', async () => {
    const { user } = renderNotifications();
    expect(await screen.findByLabelText('Recipient 1')).toHaveValue('nurse@clinic.example');
    expect(screen.getByLabelText(/Stale after/)).toHaveAttribute('placeholder', '3');
    expect(screen.getByText(/now 3 days\. Reminders repeat every 7 days\./)).toBeInTheDocument();
    const digests = await screen.findByTestId('data-testid vigil sync-digests');
    expect(within(digests).getByText('1 device not syncing, 1 connection needing consent')).toBeInTheDocument();
    expect(within(digests).getByText('Not delivered: SMTP refused: 550 mailbox unavailable')).toBeInTheDocument();
    await user.click(within(digests).getAllByRole('button', { name: /expand/i })[0]!);
    expect(await within(digests).findByText(/no sync for 4 days/)).toBeInTheDocument();
    expect(within(digests).getByText(/Ask the patient to open the Withings app\./)).toBeInTheDocument();
  }, 15_000);

  it('saves recipients and a threshold', async () => {
    backend.on('PUT', '/studies/1/sync-alerts', (call) => ({
      body: settings({ ...(call.body as Partial<SyncAlerts>) }),
    }));
    const { user } = renderNotifications();
    await user.click(await screen.findByRole('button', { name: 'Add recipient' }));
    await user.type(screen.getByLabelText('Recipient 2'), 'lead@clinic.example');
    await user.type(screen.getByLabelText(/Stale after/), '5');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved the notification settings.')).toBeInTheDocument();
    expect(backend.changes()).toEqual([
      expect.objectContaining({
        method: 'PUT',
        body: { recipients: ['nurse@clinic.example', 'lead@clinic.example'], staleDeviceDays: 5 },
      }),
    ]);
  });

  it('shows the ingest’s objections at the recipient and the threshold they concern', async () => {
    backend.on(
      'PUT',
      '/studies/1/sync-alerts',
      ingestError(400, 'INVALID_INPUT', 'recipients.1: invalid email address; staleDeviceDays: too big', [
        { field: 'recipients.1', message: 'invalid email address' },
        { field: 'staleDeviceDays', message: 'must be at most 90' },
      ])
    );
    const { user } = renderNotifications();
    await user.click(await screen.findByRole('button', { name: 'Add recipient' }));
    await user.click(screen.getByRole('button', { name: 'Add recipient' }));
    // A blank line is not sent, so the ingest's recipients.1 is the third line shown.
    await user.type(screen.getByLabelText('Recipient 3'), 'not-an-address');
    await user.type(screen.getByLabelText(/Stale after/), '400');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    const line = screen.getByRole('group', { name: 'Recipient line 3' });
    expect(await within(line).findByText('invalid email address')).toBeInTheDocument();
    expect(within(line).getByLabelText('Recipient 3')).toHaveValue('not-an-address');
    expect(screen.getByText('must be at most 90')).toBeInTheDocument();
    expect(screen.queryByText('The notification settings were not saved')).not.toBeInTheDocument();
  }, 15_000);

  it('runs the check now', async () => {
    backend.on('POST', '/sync-check', { body: { studies: 1, sent: 1 } });
    const { user } = renderNotifications();
    await user.click(await screen.findByRole('button', { name: 'Check and send now' }));
    expect(await screen.findByText('Checked every study; any digest due was sent.')).toBeInTheDocument();
  });

  it('warns that nothing is sent without a mail server, and says in words when the settings cannot be loaded', async () => {
    backend.on('GET', '/studies/1/sync-alerts', { body: settings({ mailEnabled: false }) });
    const { unmount } = renderNotifications();
    expect(await screen.findByText('The ingest has no mail server configured')).toBeInTheDocument();
    unmount();

    backend.on('GET', '/studies/1/sync-alerts', ingestError(404, 'NOT_FOUND', 'study 1 does not exist'));
    renderNotifications();
    expect(await screen.findByText('Study 1 does not exist.')).toBeInTheDocument();
  });

  it('lets a Viewer read the settings and history and change nothing', async () => {
    signInAs('Viewer');
    const { user } = renderNotifications();
    expect(await screen.findByLabelText('Recipient 1')).toBeDisabled();
    expect(screen.getByLabelText(/Stale after/)).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Add recipient' })).not.toBeInTheDocument();
    const save = screen.getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Check and send now' })).toBeDisabled();
    await user.hover(save.parentElement!);
    expect(await screen.findByText('Only organisation Admins can change this; you are a Viewer.')).toBeInTheDocument();
    await screen.findByTestId('data-testid vigil sync-digests');
    expect(backend.changes()).toEqual([]);
  });
});
