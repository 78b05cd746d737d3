import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PushNotification } from '../../api/types.ts';
import { ingestError, installFakeBackend, signInAs, type FakeBackend } from '../../../tests/fake-backend.ts';
import { renderAt } from '../../../tests/render.tsx';
import { testIds } from '../testIds.ts';
import { PushNotifications } from './PushNotifications.tsx';

const aPush = (over: Partial<PushNotification> = {}): PushNotification => ({
  id: 1,
  kind: 'survey',
  surveyId: 4,
  surveyObjectId: 'obj4',
  surveyName: 'Mood',
  scheduleType: 'weekly',
  scheduledFor: '2026-11-21T09:00:00.000Z',
  timeZone: 'Europe/London',
  uuid: '6f1c2b9e-0000-4000-8000-000000000001',
  resend: 0,
  state: 'confirmed',
  attempts: 1,
  platform: 'ios',
  sentAt: '2026-11-21T09:00:02.000Z',
  confirmedAt: '2026-11-21T09:05:00.000Z',
  error: null,
  createdAt: '2026-11-20T09:00:00.000Z',
  ...over,
});

const rowWith = (text: string) => screen.getByText(text).closest('tr')!;

describe('PushNotifications (participant page panel)', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Viewer');
    backend = installFakeBackend();
  });

  it('lists the last notifications with their state and problems', async () => {
    backend.on('GET', '/participants/11/push-notifications', {
      body: {
        items: [
          aPush(),
          aPush({ id: 2, resend: 1, state: 'sent', confirmedAt: null }),
          aPush({
            id: 3,
            kind: 'heartbeat',
            surveyId: null,
            surveyName: null,
            surveyObjectId: null,
            state: 'scheduled',
            sentAt: null,
            platform: null,
          }),
          aPush({ id: 4, surveyName: 'Sleep', state: 'failed', sentAt: null, error: 'UNREGISTERED' }),
          aPush({ id: 5, surveyName: 'Pain', state: 'skipped', sentAt: null }),
        ],
        total: 5,
      },
    });
    renderAt(<PushNotifications participantId={11} />);
    const panel = await screen.findByTestId(testIds.participant.notifications);
    await within(panel).findByText('Survey: Mood');
    expect(within(rowWith('Survey: Mood')).getByText('Confirmed by the phone')).toBeInTheDocument();
    expect(within(rowWith('Survey: Mood (resend 1)')).getByText('Sent')).toBeInTheDocument();
    expect(within(rowWith('Wake-up (phone silent)')).getByText('Scheduled')).toBeInTheDocument();
    const failed = rowWith('Survey: Sleep');
    expect(within(failed).getByText('Failed')).toBeInTheDocument();
    expect(within(failed).getByText('UNREGISTERED')).toBeInTheDocument();
    expect(within(rowWith('Survey: Pain')).getByText('Skipped (too late)')).toBeInTheDocument();
    expect(backend.calls[0]).toMatchObject({ query: { limit: '20', offset: '0' } });
    expect(within(panel).queryByText(/The last 20/)).toBeNull();
  });

  it('says when there are none, and when more exist than shown', async () => {
    backend.on('GET', '/participants/11/push-notifications', { body: { items: [], total: 0 } });
    const { unmount } = renderAt(<PushNotifications participantId={11} />);
    expect(await screen.findByText('No notifications yet.')).toBeInTheDocument();
    unmount();

    backend.on('GET', '/participants/11/push-notifications', { body: { items: [aPush()], total: 31 } });
    renderAt(<PushNotifications participantId={11} />);
    expect(await screen.findByText('The last 20 of 31.')).toBeInTheDocument();
  });

  it('explains a failure in words, and loads again on Refresh', async () => {
    backend.on(
      'GET',
      '/participants/11/push-notifications',
      ingestError(404, 'NOT_FOUND', 'participant 11 does not exist')
    );
    const { user } = renderAt(<PushNotifications participantId={11} />);
    expect(await screen.findByText('Could not load the notifications')).toBeInTheDocument();
    expect(screen.getByText('Participant 11 does not exist.')).toBeInTheDocument();
    backend.on('GET', '/participants/11/push-notifications', { body: { items: [aPush()], total: 1 } });
    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await screen.findByText('Survey: Mood')).toBeInTheDocument();
  });

  it('sends a test notification (Admin) and shows the outcome in words, then lists it', async () => {
    signInAs('Admin');
    backend.on('GET', '/participants/11/push-notifications', { body: { items: [], total: 0 } });
    backend.on('POST', '/participants/11/push-notifications/test', {
      body: {
        outcome: 'unregistered',
        message: 'FCM refused: UNREGISTERED, the token is retired',
        notification: { id: 9, uuid: 'u', state: 'failed', platform: 'IOS', sentAt: null, error: 'unregistered' },
      },
    });
    const { user } = renderAt(<PushNotifications participantId={11} />);
    await screen.findByText('No notifications yet.');
    backend.on('GET', '/participants/11/push-notifications', {
      body: {
        items: [
          aPush({ id: 9, kind: 'test', surveyId: null, surveyName: null, state: 'failed', error: 'unregistered' }),
        ],
        total: 1,
      },
    });
    await user.click(screen.getByRole('button', { name: 'Send a test notification' }));
    expect(
      await screen.findByText('Test notification: FCM refused: UNREGISTERED, the token is retired')
    ).toBeInTheDocument();
    expect(await screen.findByText('Test notification')).toBeInTheDocument();
    expect(
      backend.calls.some((c) => c.method === 'POST' && c.path === '/participants/11/push-notifications/test')
    ).toBe(true);
  });

  it('says why a test notification could not be sent (409 in the ingest words)', async () => {
    signInAs('Admin');
    backend.on('GET', '/participants/11/push-notifications', { body: { items: [], total: 0 } });
    backend.on(
      'POST',
      '/participants/11/push-notifications/test',
      ingestError(409, 'CONFLICT', 'participant 11 has no registered phone token')
    );
    const { user } = renderAt(<PushNotifications participantId={11} />);
    await user.click(await screen.findByRole('button', { name: 'Send a test notification' }));
    expect(await screen.findByText(/^Test notification not sent: .*no registered phone token/i)).toBeInTheDocument();
  });

  it('a Viewer sees the test button disabled, saying why', async () => {
    backend.on('GET', '/participants/11/push-notifications', { body: { items: [], total: 0 } });
    renderAt(<PushNotifications participantId={11} />);
    await screen.findByText('No notifications yet.');
    expect(screen.getByRole('button', { name: 'Send a test notification' })).toBeDisabled();
    expect(screen.getByLabelText(/Only organisation Admins can change this/)).toBeInTheDocument();
  });
});
