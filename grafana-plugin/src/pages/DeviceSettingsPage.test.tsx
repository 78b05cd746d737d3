import React from 'react';
import { screen } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { aStudy } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import { defaultSettings } from '../components/DeviceSettingsForm/device-settings-fields.ts';
import DeviceSettingsPage from './DeviceSettingsPage.tsx';

/** Key-by-key typing re-renders the whole form per key; a paste is one change, and keeps the tests quick. */
async function fill(user: UserEvent, input: HTMLElement, text: string) {
  await user.clear(input);
  await user.click(input);
  await user.paste(text);
}

const renderPage = () =>
  renderAt(<DeviceSettingsPage />, { route: 'studies/:studyId/device-settings', path: '/studies/1/device-settings' });
const version = (n: number, overrides: Record<string, unknown> = {}) => ({
  studyId: 1,
  version: n,
  settings: { ...defaultSettings(), ...overrides },
  createdAt: n === 0 ? null : '2026-11-21T09:00:00.000Z',
  createdBy: n === 0 ? null : 'ann',
});

/** The smallest element holding both the message and the input: the message's own field, if it holds no other input. */
function fieldOf(message: HTMLElement, input: HTMLElement): HTMLElement | null {
  let el: HTMLElement | null = message;
  while (el && !el.contains(input)) el = el.parentElement;
  return el && el.querySelectorAll('input, textarea').length === 1 ? el : null;
}

// The form holds every Beiwe setting: rendering it in jsdom takes seconds.
describe('DeviceSettingsPage', { timeout: 60_000 }, () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend()
      .on('GET', '/studies/1', { body: aStudy() })
      .on('GET', '/studies/1/device-settings', { body: version(0) });
  });

  it('shows every setting with Beiwe’s default and minimum, and saves only what changed', async () => {
    backend.on('PUT', '/studies/1/device-settings', {
      body: version(1, { gps_off_duration_seconds: 300, gyro: true }),
    });
    const { user } = renderPage();
    const gpsOff = await screen.findByLabelText(/^GPS off/);
    expect(screen.getByText(/no settings have been saved/)).toBeInTheDocument();
    expect(screen.getByText('Default 300 s · at least 10')).toBeInTheDocument();
    expect(screen.getByText('Default 24000 bit/s · at least 16000')).toBeInTheDocument();
    expect(screen.getByLabelText('Privacy: learn more')).toBeInTheDocument();

    await fill(user, gpsOff, '300');
    await user.click(screen.getByRole('checkbox', { name: /^Gyroscope/ }));
    expect(screen.getByText('2 unsaved changes')).toBeInTheDocument();
    backend.on('GET', '/studies/1/device-settings', {
      body: version(1, { gps_off_duration_seconds: 300, gyro: true }),
    });
    await user.click(screen.getByRole('button', { name: 'Save device settings' }));

    expect(await screen.findByText('Saved the device settings (version 1).')).toBeInTheDocument();
    expect(backend.changes()).toEqual([
      expect.objectContaining({ method: 'PUT', body: { gps_off_duration_seconds: 300, gyro: true } }),
    ]);
    expect(await screen.findByText(/Version 1, saved by ann/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^GPS off/)).toHaveValue(300);
  });

  it('shows the ingest’s objection at the setting it concerns', async () => {
    backend.on(
      'PUT',
      '/studies/1/device-settings',
      ingestError(400, 'INVALID_INPUT', 'wifi_log_frequency_seconds: must be at least 10', [
        { field: 'wifi_log_frequency_seconds', message: 'must be at least 10' },
        { field: 'consent_sections.privacy.more', message: 'must be a string' },
      ])
    );
    const { user } = renderPage();
    const wifi = await screen.findByLabelText(/^Wi-Fi scan interval/);
    await fill(user, wifi, '5');
    await user.click(screen.getByRole('button', { name: 'Save device settings' }));

    const message = await screen.findByText('Must be at least 10.', {}, { timeout: 5000 });
    expect(fieldOf(message, screen.getByLabelText(/^Wi-Fi scan interval/))).toBeTruthy();
    expect(screen.getByText('Must be a string.')).toBeInTheDocument();
    expect(screen.getByText('2 settings need changing, as shown at each.')).toBeInTheDocument();
    expect(screen.queryByText(/wifi_log_frequency_seconds/)).not.toBeInTheDocument();
  });

  it('lets a Viewer read the settings but not change them', async () => {
    signInAs('Viewer');
    renderPage();
    expect(await screen.findByLabelText(/^GPS off/)).toBeDisabled();
    expect(screen.getByRole('checkbox', { name: /^Gyroscope/ })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Save device settings' })).toBeDisabled();
    expect(screen.getAllByText('Only organisation Admins can change this; you are a Viewer.').length).toBeGreaterThan(
      0
    );
  });
});
