import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { aConnection } from '../../../tests/fixtures.ts';
import { ingestError, installFakeBackend, signInAs, type FakeBackend } from '../../../tests/fake-backend.ts';
import { renderAt } from '../../../tests/render.tsx';
import { ParticipantSync } from './ParticipantSync.tsx';

describe('ParticipantSync', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend();
  });

  it('shows the sync state of the participant’s wearables still connected', async () => {
    backend
      .on('GET', '/participants/11/connections', {
        body: {
          items: [
            aConnection(),
            aConnection({ id: 32, provider: 'polar', providerName: 'Polar', status: 'disconnected' }),
          ],
        },
      })
      .on('GET', '/connections/31/sync-health', ingestError(500, 'INTERNAL', 'internal error'));
    renderAt(<ParticipantSync participantId={11} />);
    const row = (await screen.findByRole('button', { name: 'Update now Withings' })).closest('tr')!;
    expect(await within(row).findByText('Could not load the sync state: Internal error.')).toBeInTheDocument();
    expect(screen.queryByText('Polar')).not.toBeInTheDocument();
  });

  it('says what the patient must consent to again, and that the link is made under Devices', async () => {
    backend
      .on('GET', '/participants/11/connections', {
        body: { items: [aConnection({ needsConsentFor: [{ id: 'sleep', label: 'Sleep' }] })] },
      })
      .on('GET', '/connections/31/sync-health', ingestError(500, 'INTERNAL', 'internal error'));
    renderAt(<ParticipantSync participantId={11} />);
    const gap = await screen.findByTestId('data-testid vigil consent-gap');
    expect(gap).toHaveTextContent('Needs a new consent for: Sleep');
    expect(gap).toHaveTextContent('make a new Withings connect link under Devices with "Connect a device"');
  });

  it('leaves the section out when the ingest has no wearable support', async () => {
    backend.on(
      'GET',
      '/participants/11/connections',
      ingestError(404, 'NOT_FOUND', 'no route for GET /api/v1/participants/11/connections')
    );
    const { container } = renderAt(<ParticipantSync participantId={11} />);
    await new Promise((r) => setTimeout(r, 50));
    expect(backend.calls.map((c) => c.path)).toEqual(['/participants/11/connections']);
    expect(container).toBeEmptyDOMElement();
  });
});
