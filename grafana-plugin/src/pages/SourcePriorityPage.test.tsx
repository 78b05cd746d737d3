import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { aStudy } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import SourcePriorityPage from './SourcePriorityPage.tsx';

const renderPage = () =>
  renderAt(<SourcePriorityPage />, { route: 'studies/:studyId/source-priority', path: '/studies/1/source-priority' });

const defaultOrder = {
  steps: ['fitbit', 'withings', 'polar', 'phone'],
  heart_rate: ['polar', 'fitbit', 'withings'],
  sleep: ['fitbit', 'withings', 'polar'],
  daily_hrv: ['polar', 'fitbit'],
};
const view = (priorities: Record<string, unknown[]>) => ({
  studyId: 1,
  priorities: { steps: [], heart_rate: [], sleep: [], daily_hrv: [], ...priorities },
  defaultOrder,
});

describe('SourcePriorityPage', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend()
      .on('GET', '/studies/1', { body: aStudy() })
      .on('GET', '/studies/1/source-priority', { body: view({ steps: [{ source: 'withings' }] }) });
  });

  it('shows every measurement the ingest ranks, and saves the lists the Admin edits', async () => {
    const after = view({
      steps: [{ source: 'withings' }],
      sleep: [{ source: 'withings', device: 'Sleep Analyzer' }, { source: 'fitbit' }],
    });
    backend.on('PUT', '/studies/1/source-priority', { body: after });
    const { user } = renderPage();
    const sleep = await screen.findByRole('region', { name: 'Sleep sessions' });
    expect(within(sleep).getByText('Default order: Fitbit, Withings, Polar')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Nightly HRV' })).toBeInTheDocument();
    const steps = screen.getByRole('region', { name: 'Steps' });
    expect(within(steps).getByRole('combobox', { name: 'Steps source 1' })).toHaveValue('withings');
    expect(within(steps).getByText('Then: Fitbit, Polar, Phone')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save source priority' })).toBeDisabled();

    // Fitbit, then Withings' mat moved above it.
    await user.click(within(sleep).getByRole('button', { name: 'Add a Sleep sessions source' }));
    await user.click(within(sleep).getByRole('button', { name: 'Add a Sleep sessions source' }));
    await user.type(within(sleep).getByRole('textbox', { name: 'Sleep sessions device 2' }), 'Sleep Analyzer');
    await user.click(within(sleep).getByRole('button', { name: 'Move Sleep sessions entry 2 up' }));
    backend.on('GET', '/studies/1/source-priority', { body: after });
    await user.click(screen.getByRole('button', { name: 'Save source priority' }));

    expect(await screen.findByText('Saved: the preferred series follow the new order.')).toBeInTheDocument();
    expect(backend.changes()).toEqual([
      expect.objectContaining({
        method: 'PUT',
        body: {
          steps: [{ source: 'withings' }],
          sleep: [{ source: 'withings', device: 'Sleep Analyzer' }, { source: 'fitbit' }],
        },
      }),
    ]);
  });

  it('shows the ingest’s refusal and keeps the edits', async () => {
    backend.on(
      'PUT',
      '/studies/1/source-priority',
      ingestError(400, 'INVALID_INPUT', 'steps.0: withings "ScanWatch" is already entry 0')
    );
    const { user } = renderPage();
    const steps = await screen.findByRole('region', { name: 'Steps' });
    await user.click(within(steps).getByRole('button', { name: 'Remove Steps entry 1' }));
    expect(within(steps).getByText('Default order: Fitbit, Withings, Polar, Phone')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save source priority' }));
    expect(await screen.findByText(/The source priority was not saved: .*already entry 0/)).toBeInTheDocument();
    expect(within(steps).queryByRole('combobox')).not.toBeInTheDocument();
  });

  it('lets a Viewer see the order but not change it', async () => {
    signInAs('Viewer');
    renderPage();
    const steps = await screen.findByRole('region', { name: 'Steps' });
    expect(within(steps).getByText('Withings (any device)')).toBeInTheDocument();
    expect(within(steps).queryByRole('combobox')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Add a/ })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save source priority' })).toBeDisabled();
  });
});
