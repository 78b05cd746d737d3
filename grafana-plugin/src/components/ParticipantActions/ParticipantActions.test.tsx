import React from 'react';
import { screen } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { aParticipant } from '../../../tests/fixtures.ts';
import { ingestError, installFakeBackend, signInAs, type FakeBackend } from '../../../tests/fake-backend.ts';
import { renderAt } from '../../../tests/render.tsx';
import type { Notice } from '../NoticeBar/NoticeBar.tsx';
import { ParticipantActions } from './ParticipantActions.tsx';

describe('ParticipantActions: retire', () => {
  let backend: FakeBackend;
  let notices: Notice[];
  const onChanged = vi.fn();
  const renderActions = (participant = aParticipant()) =>
    renderAt(
      <ParticipantActions
        participant={participant}
        onSheet={() => undefined}
        onChanged={onChanged}
        onNotice={(n) => notices.push(n)}
      />
    );

  beforeEach(() => {
    signInAs('Admin');
    notices = [];
    onChanged.mockReset();
    backend = installFakeBackend();
  });

  it('retires the participant after confirmation', async () => {
    backend.on('POST', '/participants/11/beiwe/retire', {
      body: { ...aParticipant().beiwe, retiredAt: '2026-11-21T10:00:00.000Z' },
    });
    const { user } = renderActions();
    await user.click(screen.getByRole('button', { name: 'Retire patient_1' }));
    expect(screen.getByText(/cannot be undone/)).toBeInTheDocument();
    expect(backend.changes()).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Retire' }));
    await vi.waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(backend.changes()).toEqual([expect.objectContaining({ path: '/participants/11/beiwe/retire' })]);
    expect(notices).toEqual([
      { severity: 'success', text: 'Retired patient_1: their phone can no longer register or upload.' },
    ]);
  });

  it('changes nothing when the confirmation is dismissed', async () => {
    const { user } = renderActions();
    await user.click(screen.getByRole('button', { name: 'Retire patient_1' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(backend.changes()).toEqual([]);
  });

  it('says in words why the ingest refused', async () => {
    backend.on(
      'POST',
      '/participants/11/beiwe/retire',
      ingestError(409, 'CONFLICT', 'participant 11 is already retired')
    );
    const { user } = renderActions();
    await user.click(screen.getByRole('button', { name: 'Retire patient_1' }));
    await user.click(screen.getByRole('button', { name: 'Retire' }));
    await vi.waitFor(() => expect(notices).toHaveLength(1));
    expect(notices[0]).toEqual({
      severity: 'error',
      text: 'Could not retire patient_1: Participant 11 is already retired.',
    });
  });

  it('offers no retire for a participant already retired or without phone credentials', () => {
    const retired = aParticipant();
    renderActions({ ...retired, beiwe: { ...retired.beiwe!, retiredAt: '2026-11-20T10:00:00.000Z' } });
    renderActions(aParticipant({ id: 12, label: 'patient_2', beiwe: null }));
    expect(screen.queryByRole('button', { name: /^Retire/ })).not.toBeInTheDocument();
  });

  it('shows a Viewer the button disabled, with the reason', async () => {
    signInAs('Viewer');
    const { user } = renderActions();
    const button = screen.getByRole('button', { name: 'Retire patient_1' });
    expect(button).toBeDisabled();
    await user.hover(button.parentElement!);
    expect(await screen.findByText('Only organisation Admins can change this; you are a Viewer.')).toBeInTheDocument();
  });
});
