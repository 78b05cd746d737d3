import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { anAuditRecord } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, page, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import AuditPage from './AuditPage.tsx';

describe('AuditPage', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Viewer');
    backend = installFakeBackend().on(
      'GET',
      '/audit',
      page([
        anAuditRecord(),
        anAuditRecord({
          id: 500,
          action: 'study.purge',
          target: { type: 'study', id: '4', studyId: 4 },
          before: { name: 'Old study' },
          after: null,
        }),
      ])
    );
  });

  it('lists who did what, linking live targets to their pages', async () => {
    renderAt(<AuditPage />);
    const row = (await screen.findByText('participant.rename')).closest('tr')!;
    expect(within(row).getByText('ann (Admin)')).toBeInTheDocument();
    expect(within(row).getByRole('link', { name: 'participant 11' })).toHaveAttribute(
      'href',
      '/a/vigil-admin-app/participants/11'
    );
    // A purged study has no page any more.
    const purged = screen.getByText('study.purge').closest('tr')!;
    expect(within(purged).queryByRole('link')).not.toBeInTheDocument();
    expect(within(purged).getByText('study 4')).toBeInTheDocument();
  });

  it('shows what changed, field by field, when a row is opened', async () => {
    const { user } = renderAt(<AuditPage />);
    const row = (await screen.findByText('participant.rename')).closest('tr')!;
    await user.click(within(row).getAllByRole('button')[0]!);
    const labelRow = (await screen.findByRole('cell', { name: 'label' })).closest('tr')!;
    expect(within(labelRow).getByText('patient_1')).toBeInTheDocument();
    expect(within(labelRow).getByText('patient_one')).toBeInTheDocument();
    // Unchanged fields are left out.
    expect(screen.queryByRole('cell', { name: 'status' })).not.toBeInTheDocument();
  });

  it('takes an action back where it can: a rename by renaming back, a deletion by restoring', async () => {
    signInAs('Admin');
    backend
      .on(
        'GET',
        '/audit',
        page([anAuditRecord(), anAuditRecord({ id: 502, action: 'participant.delete', before: null, after: null })])
      )
      .on('PATCH', '/participants/11', { body: {} })
      .on('POST', '/participants/11/restore', ingestError(409, 'CONFLICT', 'participant 11 is not deleted'));
    const { user } = renderAt(<AuditPage />);
    const renamed = (await screen.findByText('participant.rename')).closest('tr')!;
    await user.click(within(renamed).getAllByRole('button')[0]!);
    await user.click(await screen.findByRole('button', { name: /Rename back to patient_1/ }));
    expect(backend.changes()).toEqual([expect.objectContaining({ method: 'PATCH', body: { label: 'patient_1' } })]);

    const deleted = screen.getByText('participant.delete').closest('tr')!;
    await user.click(within(deleted).getAllByRole('button')[0]!);
    await user.click(await screen.findByRole('button', { name: /Restore participant/ }));
    expect(await screen.findByText('Participant 11 is not deleted.')).toBeInTheDocument();
  });

  it('offers no undo to a Viewer', async () => {
    const { user } = renderAt(<AuditPage />);
    const renamed = (await screen.findByText('participant.rename')).closest('tr')!;
    await user.click(within(renamed).getAllByRole('button')[0]!);
    expect(await screen.findByRole('button', { name: /Rename back to patient_1/ })).toBeDisabled();
  });

  it('filters by what is typed, and clears', async () => {
    const { user } = renderAt(<AuditPage />);
    await screen.findByText('participant.rename');
    await user.type(screen.getByLabelText('Action'), 'participant.rename');
    await user.type(screen.getByLabelText('Who (login)'), 'ann');
    await user.type(screen.getByLabelText('Study id'), '1');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(backend.calls.at(-1)?.query).toEqual({
      action: 'participant.rename',
      actor: 'ann',
      studyId: '1',
      limit: '50',
      offset: '0',
    });
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(backend.calls.at(-1)?.query).toEqual({ limit: '50', offset: '0' });
  });

  it('shows a rejected filter at its field', async () => {
    backend.on(
      'GET',
      '/audit',
      ingestError(400, 'INVALID_INPUT', 'studyId: expected number', [
        { field: 'studyId', message: 'expected a number' },
      ])
    );
    const { user } = renderAt(<AuditPage />);
    await user.type(screen.getByLabelText('Study id'), 'abc');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(await screen.findByText('expected a number')).toBeInTheDocument();
    expect(screen.queryByText(/Could not load the audit log/)).not.toBeInTheDocument();
  });
});
