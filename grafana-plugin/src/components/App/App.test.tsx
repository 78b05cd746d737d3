import React from 'react';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { PluginType, type AppRootProps } from '@grafana/data';
import { beforeEach, describe, expect, it } from 'vitest';
import { installFakeBackend, page, signInAs } from '../../../tests/fake-backend.ts';
import { testIds } from '../testIds.ts';
import App from './App.tsx';

const renderApp = (path: string, jsonData: Record<string, string>, secureJsonFields: Record<string, boolean>) =>
  render(
    <MemoryRouter initialEntries={[path]}>
      <App
        {...({
          basename: '/a/vigil-admin-app',
          meta: {
            id: 'vigil-admin-app',
            name: 'Vigil',
            type: PluginType.app,
            enabled: true,
            jsonData,
            secureJsonFields,
          },
          query: {},
          path,
          onNavChanged: () => undefined,
        } as unknown as AppRootProps)}
      />
    </MemoryRouter>
  );

describe('App', () => {
  beforeEach(() => {
    signInAs('Admin');
    installFakeBackend().on('GET', '/studies', page([])).on('GET', '/audit', page([]));
  });

  it('opens the studies by default', async () => {
    renderApp('/', { ingestUrl: 'http://ingest:8080' }, { sharedSecret: true });
    expect(await screen.findByTestId(testIds.studies.page)).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.app.notConfigured)).not.toBeInTheDocument();
  });

  it('routes to the audit log', async () => {
    renderApp('/audit', { ingestUrl: 'http://ingest:8080' }, { sharedSecret: true });
    expect(await screen.findByTestId(testIds.audit.page)).toBeInTheDocument();
  });

  it('says what to configure before the pages can work', async () => {
    renderApp('/studies', { ingestUrl: 'http://ingest:8080' }, {});
    expect(await screen.findByTestId(testIds.app.notConfigured)).toHaveTextContent(
      'Set the ingest URL and the shared secret'
    );
    expect(screen.getByRole('link', { name: 'Configure' })).toHaveAttribute('href', '/plugins/vigil-admin-app');
  });
});
