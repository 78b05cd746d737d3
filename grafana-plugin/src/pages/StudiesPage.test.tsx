import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { aStudy } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, page, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import StudiesPage from './StudiesPage.tsx';

describe('StudiesPage', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend().on('GET', '/studies', page([aStudy(), aStudy({ id: 2, name: 'Gait study' })]));
  });

  it('lists the live studies with links to each', async () => {
    renderAt(<StudiesPage />);
    const link = await screen.findByRole('link', { name: 'Gait study' });
    expect(link).toHaveAttribute('href', '/a/vigil-admin-app/studies/2');
    expect(screen.getAllByText('Nightly sleep and activity')).toHaveLength(2);
    expect(backend.calls[0]?.query).toMatchObject({ deleted: 'exclude', limit: '50', offset: '0' });
  });

  it('searches by name and shows the Trash', async () => {
    const { user } = renderAt(<StudiesPage />);
    await screen.findByText('Sleep study');
    await user.type(screen.getByPlaceholderText('Search studies by name'), 'gait');
    await user.click(screen.getByRole('radio', { name: /Trash/ }));
    const last = backend.calls.at(-1);
    expect(last?.query).toMatchObject({ q: 'gait', deleted: 'only' });
  });

  it('creates a study and says so', async () => {
    backend.on('POST', '/studies', { status: 201, body: aStudy({ id: 3, name: 'Pain study' }) });
    const { user } = renderAt(<StudiesPage />);
    await user.click(await screen.findByRole('button', { name: /New study/ }));
    await user.type(screen.getByLabelText(/Name/), 'Pain study');
    await user.clear(screen.getByLabelText(/Time zone/));
    await user.type(screen.getByLabelText(/Time zone/), 'Europe/Paris');
    await user.click(screen.getByRole('button', { name: 'Create study' }));
    expect(await screen.findByText('Created study Pain study.')).toBeInTheDocument();
    expect(backend.changes()).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/studies',
        body: { name: 'Pain study', description: '', timezone: 'Europe/Paris' },
      }),
    ]);
  });

  it('shows the ingest’s objection at the field it names, not as JSON', async () => {
    backend.on(
      'POST',
      '/studies',
      ingestError(400, 'INVALID_INPUT', 'timezone: expected an IANA time zone such as Europe/London or UTC', [
        { field: 'timezone', message: 'expected an IANA time zone such as Europe/London or UTC' },
      ])
    );
    const { user } = renderAt(<StudiesPage />);
    await user.click(await screen.findByRole('button', { name: /New study/ }));
    await user.type(screen.getByLabelText(/Name/), 'Pain study');
    await user.clear(screen.getByLabelText(/Time zone/));
    await user.type(screen.getByLabelText(/Time zone/), 'Mars/Olympus');
    await user.click(screen.getByRole('button', { name: 'Create study' }));
    expect(await screen.findByText('expected an IANA time zone such as Europe/London or UTC')).toBeInTheDocument();
    expect(screen.queryByText(/INVALID_INPUT|\{"error"/)).not.toBeInTheDocument();
  });

  it('deletes a study with an Undo that restores it', async () => {
    backend
      .on('DELETE', '/studies/2', { body: aStudy({ id: 2, deletedAt: '2026-11-21T10:00:00.000Z' }) })
      .on('POST', '/studies/2/restore', { body: aStudy({ id: 2 }) });
    const { user } = renderAt(<StudiesPage />);
    await user.click(await screen.findByRole('button', { name: 'Delete Gait study' }));
    const notice = await screen.findByTestId('data-testid vigil notice');
    expect(within(notice).getByText('Deleted study Gait study.')).toBeInTheDocument();
    await user.click(within(notice).getByRole('button', { name: /Undo/ }));
    expect(backend.changes().map((c) => `${c.method} ${c.path}`)).toEqual([
      'DELETE /studies/2',
      'POST /studies/2/restore',
    ]);
  });

  it('explains a failed load in words', async () => {
    backend.on('GET', '/studies', { status: 502, body: '' });
    renderAt(<StudiesPage />);
    expect(await screen.findByText(/Grafana could not reach the Vigil ingest/)).toBeInTheDocument();
  });

  it('lets a Viewer look but not change, and says why', async () => {
    signInAs('Viewer');
    renderAt(<StudiesPage />);
    await screen.findByText('Sleep study');
    expect(screen.getByRole('button', { name: /New study/ })).toBeDisabled();
    for (const button of screen.getAllByRole('button', { name: /^(Edit|Delete) / })) expect(button).toBeDisabled();
    expect(
      screen.getAllByLabelText('Only organisation Admins can change this; you are a Viewer.').length
    ).toBeGreaterThan(0);
  });
});
