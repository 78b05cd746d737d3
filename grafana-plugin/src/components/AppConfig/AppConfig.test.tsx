import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { PluginType } from '@grafana/data';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeBackend, signInAs, type FakeBackend } from '../../../tests/fake-backend.ts';
import { testIds } from '../testIds.ts';
import AppConfig, { type AppConfigProps } from './AppConfig.tsx';

const props = (jsonData: Record<string, string>, secureJsonFields: Record<string, boolean>) =>
  ({
    plugin: {
      meta: {
        id: 'vigil-admin-app',
        name: 'Vigil',
        type: PluginType.app,
        enabled: true,
        pinned: true,
        jsonData,
        secureJsonFields,
      },
    },
    query: {},
  }) as unknown as AppConfigProps;

describe('AppConfig', () => {
  let backend: FakeBackend;
  const reload = vi.fn();
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend();
    vi.stubGlobal('location', { ...window.location, reload });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    reload.mockReset();
  });

  it('saves the ingest URL and a new secret to Grafana’s plugin settings, then reloads', async () => {
    backend.on('POST', 'api/plugins/vigil-admin-app/settings', { body: { message: 'ok' } });
    const user = userEvent.setup();
    render(<AppConfig {...props({}, {})} />);
    expect(screen.getByTestId(testIds.appConfig.save)).toBeDisabled();
    await user.type(screen.getByTestId(testIds.appConfig.ingestUrl), 'http://ingest:8080/');
    await user.type(screen.getByTestId(testIds.appConfig.sharedSecret), 'x'.repeat(40));
    await user.click(screen.getByTestId(testIds.appConfig.save));
    expect(backend.changes()).toEqual([
      expect.objectContaining({
        path: 'api/plugins/vigil-admin-app/settings',
        body: {
          enabled: true,
          pinned: true,
          jsonData: { ingestUrl: 'http://ingest:8080' },
          secureJsonData: { sharedSecret: 'x'.repeat(40) },
        },
      }),
    ]);
    expect(reload).toHaveBeenCalledTimes(1);
  });

  it('leaves a stored secret alone unless it is reset, and checks the URL', async () => {
    backend.on('POST', 'api/plugins/vigil-admin-app/settings', { body: { message: 'ok' } });
    const user = userEvent.setup();
    render(<AppConfig {...props({ ingestUrl: 'http://ingest:8080' }, { sharedSecret: true })} />);
    await user.clear(screen.getByTestId(testIds.appConfig.ingestUrl));
    await user.type(screen.getByTestId(testIds.appConfig.ingestUrl), 'ingest:8080');
    expect(screen.getByText('Expected an http(s) URL, e.g. http://ingest:8080')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.appConfig.save)).toBeDisabled();
    await user.clear(screen.getByTestId(testIds.appConfig.ingestUrl));
    await user.type(screen.getByTestId(testIds.appConfig.ingestUrl), 'http://vigil-ingest:8080');
    await user.click(screen.getByTestId(testIds.appConfig.save));
    expect(backend.changes()[0]?.body).toEqual({
      enabled: true,
      pinned: true,
      jsonData: { ingestUrl: 'http://vigil-ingest:8080' },
    });
  });

  it('tests the connection through the proxy and says who the ingest sees', async () => {
    backend.on('GET', '/me', {
      body: { login: 'ann', role: 'Admin', isServerAdmin: false, canChange: true, retentionDays: 30 },
    });
    const user = userEvent.setup();
    render(<AppConfig {...props({ ingestUrl: 'http://ingest:8080' }, { sharedSecret: true })} />);
    await user.click(screen.getByTestId(testIds.appConfig.test));
    expect(
      await screen.findByText('Connected: the ingest sees you as ann (Admin, may change things).')
    ).toBeInTheDocument();
  });

  it('explains a failed connection test in words', async () => {
    backend.on('GET', '/me', {
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', message: 'missing or wrong shared secret' } },
    });
    const user = userEvent.setup();
    render(<AppConfig {...props({ ingestUrl: 'http://ingest:8080' }, { sharedSecret: true })} />);
    await user.click(screen.getByTestId(testIds.appConfig.test));
    expect(await screen.findByText(/check the shared secret on the plugin configuration page/)).toBeInTheDocument();
    expect(screen.getByText('Connection failed')).toBeInTheDocument();
  });
});
