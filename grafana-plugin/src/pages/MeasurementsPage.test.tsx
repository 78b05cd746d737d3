import React from 'react';
import { screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { aStudy } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import MeasurementsPage from './MeasurementsPage.tsx';

const renderPage = () =>
  renderAt(<MeasurementsPage />, { route: 'studies/:studyId/measurements', path: '/studies/1/measurements' });

const catalogue = [
  { id: 'heart_rate', label: 'Heart rate', providers: ['fitbit', 'withings', 'polar'], optIn: false },
  { id: 'sleep', label: 'Sleep', providers: ['fitbit', 'withings', 'polar'], optIn: false },
  { id: 'ecg', label: 'ECG', providers: ['fitbit', 'withings', 'polar'], optIn: true },
  { id: 'recovery', label: 'Recovery (Polar Nightly Recharge)', providers: ['polar'], optIn: false },
];
const view = (measurements: string[], chosen: boolean) => ({ studyId: 1, measurements, chosen, catalogue });

describe('MeasurementsPage', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend()
      .on('GET', '/studies/1', { body: aStudy() })
      .on('GET', '/studies/1/measurements', { body: view(['heart_rate', 'sleep', 'recovery'], false) });
  });

  it('shows the default choice with who offers each measurement, and saves what the Admin ticks', async () => {
    backend.on('PUT', '/studies/1/measurements', { body: view(['heart_rate', 'ecg', 'recovery'], true) });
    const { user } = renderPage();
    const ecg = await screen.findByRole('checkbox', { name: /^ECG/ });
    expect(screen.getByText(/Not chosen yet/)).toBeInTheDocument();
    expect(ecg).not.toBeChecked();
    expect(screen.getByRole('checkbox', { name: /^Sleep/ })).toBeChecked();
    expect(screen.getByText('Fitbit, Withings, Polar · opt-in: a sensitive permission')).toBeInTheDocument();
    expect(screen.getByText('Polar')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save measurements' })).toBeDisabled();

    await user.click(ecg);
    await user.click(screen.getByRole('checkbox', { name: /^Sleep/ }));
    backend.on('GET', '/studies/1/measurements', { body: view(['heart_rate', 'ecg', 'recovery'], true) });
    await user.click(screen.getByRole('button', { name: 'Save measurements' }));

    expect(await screen.findByText('Saved: the study collects 3 measurements.')).toBeInTheDocument();
    expect(backend.changes()).toEqual([
      expect.objectContaining({ method: 'PUT', body: { measurements: ['heart_rate', 'ecg', 'recovery'] } }),
    ]);
    expect(await screen.findByText(/Patients are asked/)).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: /^ECG/ })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: /^Sleep/ })).not.toBeChecked();
  });

  it('shows the ingest’s refusal and keeps the ticks', async () => {
    backend.on(
      'PUT',
      '/studies/1/measurements',
      ingestError(400, 'INVALID_INPUT', 'measurements: not measurements: glucose')
    );
    const { user } = renderPage();
    await user.click(await screen.findByRole('checkbox', { name: /^ECG/ }));
    await user.click(screen.getByRole('button', { name: 'Save measurements' }));
    expect(await screen.findByText(/The measurements were not saved: .*glucose/)).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: /^ECG/ })).toBeChecked();
  });

  it('lets a Viewer see the choice but not change it', async () => {
    signInAs('Viewer');
    renderPage();
    expect(await screen.findByRole('checkbox', { name: /^Heart rate/ })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: /^ECG/ })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Save measurements' })).toBeDisabled();
    expect(screen.getAllByText('Only organisation Admins can change this; you are a Viewer.').length).toBeGreaterThan(
      0
    );
  });
});
