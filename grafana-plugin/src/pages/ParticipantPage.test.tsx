import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { aConnection, aParticipant, aStudy, anUpload } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, page, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import ParticipantPage from './ParticipantPage.tsx';

const renderParticipant = () =>
  renderAt(<ParticipantPage />, { route: 'participants/:participantId', path: '/participants/11' });
const providers = { body: { items: [{ id: 'withings', displayName: 'Withings', available: true }] } };

describe('ParticipantPage', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend()
      .on('GET', '/participants/11', { body: aParticipant() })
      .on('GET', '/studies/1', { body: aStudy() })
      .on(
        'GET',
        '/participants/11/uploads',
        page([
          anUpload(),
          anUpload({
            id: 102,
            stream: 'gps',
            status: 'failed',
            lines: null,
            error: 'the file could not be decrypted with the participant key',
          }),
        ])
      )
      .on('GET', '/participants/11/connections', { body: { items: [aConnection()] } })
      .on('GET', '/participants/11/connect-links', { body: { items: [] } })
      .on('GET', '/providers', providers)
      .on('GET', '/participants/11/push-notifications', { body: { items: [], total: 0 } });
  });

  it('shows the phone, the uploads with their problems, the devices, and the dashboard link', async () => {
    renderParticipant();
    expect(await screen.findByRole('heading', { name: 'patient_1' })).toBeInTheDocument();
    const phone = screen.getByTestId('data-testid vigil participant-phone');
    expect(within(phone).getByText('Registered (Android)')).toBeInTheDocument();
    const uploads = await screen.findByTestId('data-testid vigil uploads-table');
    expect(within(uploads).getByText('the file could not be decrypted with the participant key')).toBeInTheDocument();
    expect(within(uploads).getByText('Failed')).toBeInTheDocument();
    const devices = await screen.findByTestId('data-testid vigil devices');
    const device = (await within(devices).findByText('Withings')).closest('tr')!;
    expect(within(device).getByText('Connected')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Open dashboard/ })).toHaveAttribute(
      'href',
      '/d/vigil-participant-overview?var-study=1&var-participant=11'
    );
    expect(screen.getByRole('link', { name: 'Sleep study' })).toHaveAttribute('href', '/a/vigil-admin-app/studies/1');
    const notifications = screen.getByTestId('data-testid vigil participant-notifications');
    expect(await within(notifications).findByText('No notifications yet.')).toBeInTheDocument();
  });

  it('shows when a consent that cannot be renewed ends, once it is close', async () => {
    backend.on('GET', '/participants/11/connections', {
      body: { items: [aConnection({ expiresSoon: true, consentEndsAt: '2027-01-01T09:00:00.000Z' })] },
    });
    renderParticipant();
    const devices = await screen.findByTestId('data-testid vigil devices');
    const device = (await within(devices).findByText('Withings')).closest('tr')!;
    expect(within(device).getByText('Consent ends 2027-01-01')).toBeInTheDocument();
    expect(within(device).queryByText('Connected')).not.toBeInTheDocument();
  });

  it("says in words why a connect link's last attempt failed", async () => {
    backend.on('GET', '/participants/11/connect-links', {
      body: {
        items: [
          {
            id: 5,
            participantId: 11,
            provider: 'withings',
            state: 'opened',
            expiresAt: '2099-01-01T00:00:00.000Z',
            createdBy: 'admin',
            createdAt: '2026-12-01T00:00:00.000Z',
            openedAt: '2026-12-01T00:05:00.000Z',
            completedAt: null,
            connectionId: null,
            attempts: 1,
            lastError: 'member_id_taken',
          },
        ],
      },
    });
    renderParticipant();
    const devices = await screen.findByTestId('data-testid vigil devices');
    expect(
      await within(devices).findByText(
        /last attempt failed: the provider still holds this participant under another account/
      )
    ).toBeInTheDocument();
  });

  it('re-processes one upload, and shows a refusal in that row', async () => {
    backend
      .on('POST', '/uploads/102/requeue', { body: { requeued: 1 } })
      .on('POST', '/uploads/101/requeue', ingestError(404, 'NOT_FOUND', 'upload 101 does not exist'));
    const { user } = renderParticipant();
    await user.click(await screen.findByRole('button', { name: 'Re-process upload 102' }));
    expect(await screen.findByText('Queued for processing again')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Re-process upload 101' }));
    const row = (await screen.findByText('Upload 101 does not exist.')).closest('tr')!;
    expect(within(row).getByText('accelerometer')).toBeInTheDocument();
  });

  it('re-processes every failed upload of the participant', async () => {
    backend.on('POST', '/uploads/requeue', { body: { requeued: 3 } });
    const { user } = renderParticipant();
    await user.click(await screen.findByRole('button', { name: /Re-process failed uploads/ }));
    expect(await screen.findByText('Queued 3 failed uploads for processing again.')).toBeInTheDocument();
    expect(backend.changes()).toEqual([expect.objectContaining({ body: { participantId: 11, status: 'failed' } })]);
  });

  it('filters the uploads by status', async () => {
    const { user } = renderParticipant();
    await screen.findByTestId('data-testid vigil uploads-table');
    await user.click(screen.getByRole('radio', { name: 'failed' }));
    expect(backend.calls.filter((c) => c.path === '/participants/11/uploads').at(-1)?.query).toMatchObject({
      status: 'failed',
    });
  });

  it('makes a connect link and shows it once with its QR code', async () => {
    backend.on('POST', '/participants/11/connect-links', {
      status: 201,
      body: {
        id: 9,
        participantId: 11,
        provider: 'withings',
        url: 'http://vigil.test/connect/start?link=xyz',
        expiresAt: '2026-11-28T09:00:00.000Z',
      },
    });
    const { user } = renderParticipant();
    const devices = await screen.findByTestId('data-testid vigil devices');
    await user.click(await within(devices).findByRole('button', { name: /Connect a device/ }));
    await user.click(screen.getByRole('button', { name: 'Create link' }));
    const link = await screen.findByTestId('data-testid vigil connect-link');
    expect(within(link).getByText('http://vigil.test/connect/start?link=xyz')).toBeInTheDocument();
    expect(within(link).getByRole('img', { name: 'QR code to connect Withings' })).toBeInTheDocument();
  });

  it('disconnects a wearable after confirmation, saying whether the provider was told', async () => {
    backend.on('POST', '/connections/31/disconnect', {
      body: {
        ...aConnection({ status: 'disconnected' }),
        revokedAtProvider: false,
        revokeError: 'Withings did not answer',
      },
    });
    const { user } = renderParticipant();
    await user.click(await screen.findByRole('button', { name: 'Disconnect Withings' }));
    await user.click(screen.getByRole('button', { name: 'Disconnect' }));
    expect(
      await screen.findByText('Disconnected Withings, but Withings could not be told: Withings did not answer.')
    ).toBeInTheDocument();
  });

  it('moves a wearable to another participant of the study', async () => {
    backend
      .on('GET', '/studies/1/participants', page([aParticipant(), aParticipant({ id: 12, label: 'patient_2' })]))
      .on('POST', '/connections/31/move', { body: aConnection({ participantId: 12 }) });
    const { user } = renderParticipant();
    await user.click(await screen.findByRole('button', { name: 'Move Withings' }));
    const move = screen.getByTestId('data-testid vigil move-connection');
    expect(within(move).queryByRole('radio', { name: 'patient_1' })).not.toBeInTheDocument();
    await user.click(await within(move).findByRole('radio', { name: 'patient_2' }));
    await user.click(within(move).getByRole('button', { name: 'Move connection' }));
    expect(await screen.findByText('Moved Withings to patient_2.')).toBeInTheDocument();
    expect(backend.changes()).toEqual([
      expect.objectContaining({ path: '/connections/31/move', body: { participantId: 12 } }),
    ]);
  });

  it('leaves the devices out when the ingest has no wearable support', async () => {
    backend.on(
      'GET',
      '/participants/11/connections',
      ingestError(404, 'NOT_FOUND', 'no route for GET /api/v1/participants/11/connections')
    );
    renderParticipant();
    await screen.findByTestId('data-testid vigil uploads-table');
    expect(screen.queryByTestId('data-testid vigil devices')).not.toBeInTheDocument();
  });

  it('lets a Viewer see everything and change nothing', async () => {
    signInAs('Viewer');
    renderParticipant();
    await screen.findByTestId('data-testid vigil uploads-table');
    await screen.findByRole('button', { name: /Disconnect Withings/ });
    for (const name of [
      'Re-process upload 102',
      'Re-process failed uploads',
      'Delete patient_1',
      'Disconnect Withings',
      'Connect a device',
    ]) {
      expect(screen.getByRole('button', { name: new RegExp(name) })).toBeDisabled();
    }
  });
});
