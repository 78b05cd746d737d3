import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ingestError, installFakeBackend, signInAs, type FakeBackend } from '../../../tests/fake-backend.ts';
import { renderAt } from '../../../tests/render.tsx';
import { testIds } from '../testIds.ts';
import { PushCredentials } from './PushCredentials.tsx';

const NOTHING_SET = {
  serviceAccount: false,
  android: false,
  ios: false,
  projectId: null,
  problem: null,
  updatedAt: null,
  updatedBy: null,
};
const SERVICE_ACCOUNT = JSON.stringify({
  type: 'service_account',
  project_id: 'vigil-study-app',
  private_key: '-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----\n',
  client_email: 'firebase-adminsdk@vigil-study-app.iam.gserviceaccount.com',
});
const PLIST =
  '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>API_KEY</key><string>k</string></dict></plist>';

const rowOf = async (label: string) =>
  (await screen.findAllByTestId(testIds.pushCredentials.row)).find((row) => within(row).queryByText(label) !== null)!;

describe('PushCredentials (Firebase credentials on the Operations page)', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend().on('GET', '/push/credentials', { body: NOTHING_SET });
  });

  it('shows which credentials are set and the project, never their contents', async () => {
    backend.on('GET', '/push/credentials', {
      body: {
        ...NOTHING_SET,
        serviceAccount: true,
        ios: true,
        projectId: 'vigil-study-app',
        updatedAt: '2026-11-21T09:00:00.000Z',
        updatedBy: 'ann',
      },
    });
    renderAt(<PushCredentials />);
    expect(await screen.findByText(/Firebase project: vigil-study-app\./)).toBeInTheDocument();
    expect(within(await rowOf('Firebase service account')).getByText('Set')).toBeInTheDocument();
    expect(within(await rowOf('Android app file (google-services.json)')).getByText('Not set')).toBeInTheDocument();
    expect(within(await rowOf('iOS app file (GoogleService-Info.plist)')).getByText('Set')).toBeInTheDocument();
    for (const box of screen.getAllByRole('textbox')) expect(box).toHaveValue('');
  });

  it('saves a pasted service account and shows the new state', async () => {
    backend.on('PUT', '/push/credentials', {
      body: { ...NOTHING_SET, serviceAccount: true, projectId: 'vigil-study-app', updatedBy: 'ann' },
    });
    const { user } = renderAt(<PushCredentials />);
    const row = await rowOf('Firebase service account');
    const save = within(row).getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    await user.click(within(row).getByRole('textbox', { name: 'Firebase service account' }));
    await user.paste(SERVICE_ACCOUNT);
    await user.click(save);

    expect(await screen.findByText('Saved the Firebase service account.')).toBeInTheDocument();
    expect(backend.changes()).toEqual([
      expect.objectContaining({ method: 'PUT', path: '/push/credentials', body: { serviceAccount: SERVICE_ACCOUNT } }),
    ]);
    expect(within(row).getByText('Set')).toBeInTheDocument();
    expect(within(row).getByRole('textbox')).toHaveValue('');
    expect(screen.getByText(/Firebase project: vigil-study-app\./)).toBeInTheDocument();
  });

  it('reads an uploaded plist and sends its text', async () => {
    backend.on('PUT', '/push/credentials', { body: { ...NOTHING_SET, ios: true } });
    const { user } = renderAt(<PushCredentials />);
    const row = await rowOf('iOS app file (GoogleService-Info.plist)');
    await user.upload(
      within(row).getByLabelText('Choose GoogleService-Info.plist'),
      new File([PLIST], 'GoogleService-Info.plist', { type: 'application/xml' })
    );
    await vi.waitFor(() => expect(within(row).getByRole('textbox')).toHaveValue(PLIST));
    await user.click(within(row).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved the iOS app file (GoogleService-Info.plist).')).toBeInTheDocument();
    expect(backend.changes()[0]?.body).toEqual({ iosPlist: PLIST });
  });

  it('shows the ingest’s objection at the file, in words', async () => {
    backend.on(
      'PUT',
      '/push/credentials',
      ingestError(400, 'INVALID_INPUT', 'serviceAccount.type: must be "service_account"', [
        { field: 'serviceAccount.type', message: 'must be "service_account"' },
      ])
    );
    const { user } = renderAt(<PushCredentials />);
    const row = await rowOf('Firebase service account');
    await user.click(within(row).getByRole('textbox'));
    await user.paste('{"type":"authorized_user"}');
    await user.click(within(row).getByRole('button', { name: 'Save' }));
    expect(await within(row).findByText('type: must be "service_account"')).toBeInTheDocument();
    expect(within(row).getByRole('textbox')).toHaveValue('{"type":"authorized_user"}');
  });

  it('removes a credential after confirmation', async () => {
    backend
      .on('GET', '/push/credentials', { body: { ...NOTHING_SET, android: true } })
      .on('DELETE', '/push/credentials/android', { body: NOTHING_SET });
    const { user } = renderAt(<PushCredentials />);
    const row = await rowOf('Android app file (google-services.json)');
    await user.click(within(row).getByRole('button', { name: 'Remove' }));
    expect(backend.changes()).toEqual([]);
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Remove' }));
    expect(await screen.findByText('Removed the Android app file (google-services.json).')).toBeInTheDocument();
    expect(backend.changes()).toEqual([
      expect.objectContaining({ method: 'DELETE', path: '/push/credentials/android' }),
    ]);
    expect(within(row).getByText('Not set')).toBeInTheDocument();
  });

  it('warns when Google refused the service account', async () => {
    backend.on('GET', '/push/credentials', {
      body: {
        ...NOTHING_SET,
        serviceAccount: true,
        problem: { message: 'invalid_grant: Invalid JWT Signature.', at: '2026-11-21T09:00:00.000Z' },
      },
    });
    renderAt(<PushCredentials />);
    expect(
      await screen.findByText('Google refused the service account; no notifications are sent')
    ).toBeInTheDocument();
    expect(screen.getByText(/invalid_grant: Invalid JWT Signature\./)).toBeInTheDocument();
  });

  it('tells a Viewer only an Admin may see them, with nothing to change', async () => {
    signInAs('Viewer');
    backend.on(
      'GET',
      '/push/credentials',
      ingestError(403, 'FORBIDDEN', 'bob is not an Admin: push credentials need the Admin role')
    );
    renderAt(<PushCredentials />);
    expect(await screen.findByText('Only an Admin can see or change the Firebase credentials.')).toBeInTheDocument();
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Save' })).toBeNull();
  });

  it('lets a Viewer see which are set when the ingest shows them, but not change them', async () => {
    signInAs('Viewer');
    backend.on('GET', '/push/credentials', { body: { ...NOTHING_SET, serviceAccount: true } });
    renderAt(<PushCredentials />);
    expect(within(await rowOf('Firebase service account')).getByText('Set')).toBeInTheDocument();
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove' })).toBeNull();
  });

  it('explains an unreachable ingest', async () => {
    backend.on('GET', '/push/credentials', { status: 502, body: {} });
    renderAt(<PushCredentials />);
    expect(await screen.findByText('Could not load the Firebase credentials')).toBeInTheDocument();
    expect(screen.getByText(/Grafana could not reach the Vigil ingest/)).toBeInTheDocument();
  });
});
