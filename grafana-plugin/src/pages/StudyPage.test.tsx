import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { aConnection, aParticipant, aStudy } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, page, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import StudyPage from './StudyPage.tsx';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const renderStudy = () => renderAt(<StudyPage />, { route: 'studies/:studyId', path: '/studies/1' });
const credentials = { patientId: 'k3v9x2mp', temporaryPassword: 'w734ccl1', serverUrl: 'https://vigil.example.org' };

describe('StudyPage (a study’s participants)', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    const fresh = aParticipant();
    fresh.beiwe = { ...fresh.beiwe!, lastUploadAt: hoursAgo(3), lastHeartbeatAt: hoursAgo(5 * 24) };
    backend = installFakeBackend()
      .on('GET', '/studies/1', { body: aStudy() })
      .on('GET', '/studies/1/participants', page([fresh, aParticipant({ id: 12, label: 'patient_2', beiwe: null })]))
      .on('GET', '/connections', page([aConnection({ participantId: 11 })]))
      .on('GET', '/providers', {
        body: {
          items: [
            { id: 'withings', displayName: 'Withings', available: true },
            { id: 'polar', displayName: 'Polar', available: false },
          ],
        },
      });
  });

  it('shows each participant’s phone, devices and recency at a glance', async () => {
    renderStudy();
    const row = (await screen.findByRole('link', { name: 'patient_1' })).closest('tr')!;
    expect(within(row).getByText('Registered (Android)')).toBeInTheDocument();
    expect(within(row).getByText('k3v9x2mp')).toBeInTheDocument();
    expect(within(row).getByText('3 h ago')).toHaveAttribute('data-recency', 'recent');
    expect(within(row).getByText('5 d ago')).toHaveAttribute('data-recency', 'stale');
    expect(within(row).getByText('Withings: Connected')).toBeInTheDocument();
    const other = screen.getByRole('link', { name: 'patient_2' }).closest('tr')!;
    expect(within(other).getByText('No phone credentials')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Sleep study' })).toBeInTheDocument();
  });

  it('filters by label, status and the Trash', async () => {
    const { user } = renderStudy();
    await screen.findByRole('link', { name: 'patient_1' });
    await user.type(screen.getByPlaceholderText('Search by label'), 'pat');
    await user.click(screen.getByRole('radio', { name: 'Paused' }));
    await user.click(screen.getByRole('radio', { name: /Trash/ }));
    const lists = backend.calls.filter((c) => c.path === '/studies/1/participants');
    expect(lists.at(-1)?.query).toMatchObject({ q: 'pat', status: 'paused', deleted: 'only', offset: '0' });
  });

  it('adds a participant and shows the enrolment sheet with credentials and a QR code per chosen wearable', async () => {
    backend
      .on('POST', '/studies/1/participants', {
        status: 201,
        body: { ...aParticipant({ id: 13, label: 'patient_3' }), beiwe: credentials },
      })
      .on('POST', '/participants/13/connect-links', {
        status: 201,
        body: {
          id: 5,
          participantId: 13,
          provider: 'withings',
          url: 'https://vigil.example.org/connect/start?link=abc',
          expiresAt: '2026-11-28T09:00:00.000Z',
        },
      });
    const { user } = renderStudy();
    await user.click(await screen.findByRole('button', { name: 'Add participant' }));
    const form = screen.getByTestId('data-testid vigil add-participant');
    await user.type(within(form).getByLabelText(/^Label/), 'patient_3');

    await user.click(await within(form).findByLabelText('Withings'));
    expect(within(form).getByLabelText(/Polar \(not configured/)).toBeDisabled();
    await user.click(within(form).getByRole('button', { name: 'Add participant' }));

    const sheet = await screen.findByTestId('data-testid vigil enrolment-sheet');
    expect(within(sheet).getByText('k3v9x2mp')).toBeInTheDocument();
    expect(within(sheet).getByText('w734ccl1')).toBeInTheDocument();
    expect(within(sheet).getByText('https://vigil.example.org')).toBeInTheDocument();
    expect(within(sheet).getByRole('img', { name: 'QR code to connect Withings' })).toHaveAttribute(
      'data-qr',
      'https://vigil.example.org/connect/start?link=abc'
    );
    expect(backend.changes().map((c) => [c.path, c.body])).toEqual([
      ['/studies/1/participants', { label: 'patient_3', beiwe: true }],
      ['/participants/13/connect-links', { provider: 'withings' }],
    ]);
  });

  it('shows a label clash at the label field', async () => {
    backend.on(
      'POST',
      '/studies/1/participants',
      ingestError(409, 'CONFLICT', 'another participant in this study is already labelled "patient_1"')
    );
    const { user } = renderStudy();
    await user.click(await screen.findByRole('button', { name: 'Add participant' }));
    const form = screen.getByTestId('data-testid vigil add-participant');
    await user.type(within(form).getByLabelText(/^Label/), 'patient_1');
    await user.click(within(form).getByRole('button', { name: 'Add participant' }));
    expect(
      await within(form).findByText('Another participant in this study is already labelled "patient_1".')
    ).toBeInTheDocument();
  });

  it('resets a password after confirmation and shows the new one once', async () => {
    backend.on('POST', '/participants/11/beiwe/reset-password', {
      body: { ...credentials, temporaryPassword: 'n3wpassw' },
    });
    const { user } = renderStudy();
    await user.click(await screen.findByRole('button', { name: 'Reset password patient_1' }));
    expect(backend.changes()).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Reset password' }));
    const sheet = await screen.findByTestId('data-testid vigil enrolment-sheet');
    expect(within(sheet).getByText('n3wpassw')).toBeInTheDocument();
    expect(screen.getByText(/the old one no longer works/)).toBeInTheDocument();
  });

  it('unregisters a phone after confirmation', async () => {
    backend.on('POST', '/participants/11/beiwe/unregister', { body: { ...aParticipant().beiwe, registered: false } });
    const { user } = renderStudy();
    await user.click(await screen.findByRole('button', { name: 'Unregister phone patient_1' }));
    await user.click(screen.getByRole('button', { name: 'Unregister phone' }));
    expect(await screen.findByText(/Unregistered the phone of patient_1/)).toBeInTheDocument();
    expect(backend.changes().map((c) => c.path)).toEqual(['/participants/11/beiwe/unregister']);
  });

  it('renames a participant', async () => {
    backend.on('PATCH', '/participants/11', { body: aParticipant({ label: 'patient_one' }) });
    const { user } = renderStudy();
    await user.click(await screen.findByRole('button', { name: 'Edit patient_1' }));
    const form = screen.getByTestId('data-testid vigil edit-participant');
    await user.clear(within(form).getByLabelText(/^Label/));
    await user.type(within(form).getByLabelText(/^Label/), 'patient_one');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved patient_one.')).toBeInTheDocument();
    expect(backend.changes()).toEqual([expect.objectContaining({ method: 'PATCH', body: { label: 'patient_one' } })]);
  });

  it('deletes with an Undo, and an Undo that fails says why', async () => {
    backend
      .on('DELETE', '/participants/12', { body: aParticipant({ id: 12, deletedAt: hoursAgo(0) }) })
      .on('POST', '/participants/12/restore', ingestError(409, 'CONFLICT', 'study 1 is deleted: restore it first'));
    const { user } = renderStudy();
    await user.click(await screen.findByRole('button', { name: 'Delete patient_2' }));
    const notice = await screen.findByTestId('data-testid vigil notice');
    await user.click(within(notice).getByRole('button', { name: /Undo/ }));
    expect(await within(notice).findByText('Undo failed: Study 1 is deleted: restore it first.')).toBeInTheDocument();
  });

  it('lets a Viewer see the participants but not change them', async () => {
    signInAs('Viewer');
    renderStudy();
    await screen.findByRole('link', { name: 'patient_1' });
    for (const name of [
      'Add participant',
      'Edit study',
      'Edit patient_1',
      'Reset password patient_1',
      'Delete patient_1',
    ]) {
      expect(screen.getByRole('button', { name })).toBeDisabled();
    }
  });

  it('says so where the study cannot be loaded', async () => {
    backend.on('GET', '/studies/1', ingestError(404, 'NOT_FOUND', 'study 1 does not exist'));
    renderStudy();
    expect(await screen.findByText('Study 1 does not exist.')).toBeInTheDocument();
  });
});
