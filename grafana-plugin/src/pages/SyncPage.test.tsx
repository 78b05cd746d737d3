import React from 'react';
import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PullJob, SyncHealth, WearableCapacity } from '../api/types.ts';
import { aConnection, aStudy } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, page, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import SyncPage from './SyncPage.tsx';

const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function health(overrides: Partial<SyncHealth> = {}): SyncHealth {
  return {
    connectionId: 31,
    tokenStatus: 'active',
    tokenStatusReason: null,
    lastDeviceSyncAt: ago(DAY / 2),
    lastPullAt: ago(3_600_000),
    lastSuccessAt: ago(3_600_000),
    lastError: null,
    lastErrorAt: null,
    rateLimits: { key: 'withings:app', plannedShare: 0.8, used: 12, limit: 120, windowMs: 60_000 },
    devices: [
      {
        device_id: 'd1',
        model: 'ScanWatch',
        device_type: 'watch',
        battery_pct: 80,
        battery_status: 'high',
        last_sync_at: ago(DAY / 2),
      },
    ],
    cursors: [],
    ...overrides,
  };
}

function aJob(overrides: Partial<PullJob> = {}): PullJob {
  return {
    id: 77,
    kind: 'update_range',
    connectionId: 31,
    from: '2026-11-14T00:00:00.000Z',
    to: '2026-11-21T00:00:00.000Z',
    state: 'queued',
    progressPct: 0,
    rowsWritten: 0,
    currentDay: null,
    errors: [],
    requestedBy: 'ann',
    createdAt: ago(0),
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

const window = (name: string, connections: number | null, usedPct: number) => ({
  name,
  scope: 'app' as const,
  windowSeconds: 60,
  limit: 120,
  perConnection: 0,
  callsPerConnection: 0.06,
  connections,
  usedPct,
});
const capacity: WearableCapacity = {
  plannedShare: 0.8,
  notifications: false,
  vendors: [
    {
      provider: 'withings',
      pullsPerDay: 8,
      callsPerConnectionPerDay: 80,
      clientCallsPerDay: 0,
      connections: 1728,
      binding: 'per app per minute',
      activeConnections: 1000,
      windows: [window('per app per minute', 1728, 46.3)],
      studies: [
        { studyId: 1, name: 'Sleep study', activeConnections: 600, callsPerConnectionPerDay: 80 },
        { studyId: 2, name: 'Blood pressure study', activeConnections: 400, callsPerConnectionPerDay: 24 },
      ],
    },
    {
      provider: 'polar',
      pullsPerDay: 12,
      callsPerConnectionPerDay: 48,
      clientCallsPerDay: 96,
      connections: null,
      binding: null,
      activeConnections: 2,
      windows: [window('per app per 15 minutes', null, 0.1), window('per app per 24 hours', null, 0.2)],
      studies: [
        { studyId: 1, name: 'Sleep study', activeConnections: 2, callsPerConnectionPerDay: 48 },
        { studyId: 2, name: 'Blood pressure study', activeConnections: 0, callsPerConnectionPerDay: null },
      ],
    },
  ],
};

const renderSync = () => renderAt(<SyncPage />, { route: 'sync', path: '/sync' });

describe('SyncPage', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend()
      .on('GET', '/studies', page([aStudy()]))
      .on(
        'GET',
        '/connections',
        page([
          aConnection({ participantLabel: 'patient_1' }),
          aConnection({
            id: 32,
            participantId: 12,
            participantLabel: 'patient_2',
            provider: 'polar',
            providerName: 'Polar',
          }),
        ])
      )
      .on('GET', '/pull-jobs', page([]))
      .on('GET', '/wearables/capacity', { body: capacity })
      .on('GET', '/connections/31/sync-health', { body: health() })
      .on('GET', '/connections/32/sync-health', {
        body: health({
          connectionId: 32,
          lastDeviceSyncAt: ago(10 * DAY),
          lastError: 'Polar answered 429: too many requests',
          lastErrorAt: ago(DAY),
          rateLimits: { key: 'polar:app:short', plannedShare: 0.8, used: 480, limit: 500, windowMs: 900_000 },
          devices: [],
        }),
      });
  });

  it('shows each connection’s sync state: device sync in colour bands, last error, rate-limit use', async () => {
    renderSync();
    const table = await screen.findByTestId('data-testid vigil sync-connections');
    const withings = (await within(table).findByRole('link', { name: 'patient_1' })).closest('tr')!;
    expect(await within(withings).findByText('12 h ago')).toHaveAttribute('data-recency', 'recent');
    expect(within(withings).getByText('ScanWatch, battery 80%')).toBeInTheDocument();
    expect(within(withings).getByText('12 of 120 requests per 1 min')).toBeInTheDocument();
    expect(within(withings).getByText('Connected')).toBeInTheDocument();

    const polar = within(table).getByRole('link', { name: 'patient_2' }).closest('tr')!;
    expect(within(polar).getByText('10 d ago')).toHaveAttribute('data-recency', 'old');
    expect(within(polar).getByText(/Polar answered 429: too many requests/)).toBeInTheDocument();
    expect(within(polar).getByText(/480 of 500 requests per 15 min \(near the limit/)).toBeInTheDocument();
  }, 15_000);

  it('names what a connection needs a new consent for, and where to make the link', async () => {
    backend.on(
      'GET',
      '/connections',
      page([
        aConnection({
          participantLabel: 'patient_1',
          needsConsentFor: [
            { id: 'spo2', label: 'Blood oxygen (SpO2)' },
            { id: 'ecg', label: 'ECG' },
          ],
        }),
        aConnection({ id: 32, participantId: 12, participantLabel: 'patient_2', needsConsentFor: [] }),
      ])
    );
    renderSync();
    const table = await screen.findByTestId('data-testid vigil sync-connections');
    const flagged = (await within(table).findByRole('link', { name: 'patient_1' })).closest('tr')!;
    const gap = within(flagged).getByTestId('data-testid vigil consent-gap');
    expect(gap).toHaveTextContent('Needs a new consent for: Blood oxygen (SpO2), ECG');
    expect(gap).toHaveTextContent("make a new Withings connect link on the participant's page (Devices)");
    const fine = within(table).getByRole('link', { name: 'patient_2' }).closest('tr')!;
    expect(within(fine).queryByTestId('data-testid vigil consent-gap')).not.toBeInTheDocument();
  }, 15_000);

  it('shows how many connections each vendor can take within its quotas, and which quota binds', async () => {
    renderSync();
    const section = await screen.findByTestId('data-testid vigil wearable-capacity');
    const withings = (await within(section).findByText('Withings')).closest('tr')!;
    expect([...withings.querySelectorAll('td')].map((td) => td.textContent)).toEqual([
      'Withings',
      '1,000',
      '1,728',
      'per app per minute',
      '80',
      '46.3% per app per minute',
    ]);
    const polar = within(section).getByText('Polar').closest('tr')!;
    expect(within(polar).getByText('no limit from its quotas')).toBeInTheDocument();
    expect(within(polar).getByText('0.2% per app per 24 hours')).toBeInTheDocument();
    // Polar's pull notifications, asked for the whole client rather than per connection.
    expect(within(polar).getByText('48 (and 96 for the whole client)')).toBeInTheDocument();
    expect(within(section).getByText(/inside 80% of every quota .* notifications off/)).toBeInTheDocument();
  });

  it('shows what a connection of each study spends, for the measurements it collects', async () => {
    renderSync();
    const table = await screen.findByTestId('data-testid vigil wearable-capacity-by-study');
    const rows = [...table.querySelectorAll('tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent)
    );
    expect(rows).toEqual([
      ['Sleep study', '80 (600 connected)', '48 (2 connected)'],
      ['Blood pressure study', '24 (400 connected)', 'collects nothing it delivers'],
    ]);
  });

  it('filters by study', async () => {
    const { user } = renderSync();
    await user.click(await screen.findByRole('radio', { name: 'Sleep study' }));
    expect(backend.calls.filter((c) => c.path === '/connections').at(-1)?.query).toMatchObject({ studyId: '1' });
  });

  it('starts an update for a range of days and follows its progress live until it is done', async () => {
    const polls = [
      aJob({ state: 'running', progressPct: 40, rowsWritten: 120, currentDay: '2026-11-16', startedAt: ago(0) }),
      aJob({ state: 'done', progressPct: 100, rowsWritten: 310, startedAt: ago(0), finishedAt: ago(0) }),
    ];
    backend
      .on('POST', '/connections/31/pulls', { status: 202, body: { items: [aJob()] } })
      .on('GET', '/pull-jobs/77', () => ({ body: polls.length > 1 ? polls.shift() : polls[0] }));
    const { user } = renderSync();
    await user.click(await screen.findByRole('button', { name: 'Update range Withings of patient_1' }));
    const form = screen.getByTestId('data-testid vigil update-range');
    await user.clear(within(form).getByLabelText('First day'));
    await user.type(within(form).getByLabelText('First day'), '2026-11-01');
    await user.clear(within(form).getByLabelText('Last day'));
    await user.type(within(form).getByLabelText('Last day'), '2026-11-03');
    await user.click(within(form).getByRole('button', { name: 'Start update' }));

    expect(backend.changes()).toEqual([
      expect.objectContaining({
        path: '/connections/31/pulls',
        body: { from: '2026-11-01T00:00:00.000Z', to: '2026-11-04T00:00:00.000Z' },
      }),
    ]);
    const jobs = await screen.findByTestId('data-testid vigil pull-jobs');
    expect(within(jobs).getByText('Queued')).toBeInTheDocument();
    expect(within(jobs).getByText(/next scheduler run/)).toBeInTheDocument();
    const bar = within(jobs).getByRole('progressbar', { name: 'Progress of job 77' });
    expect(bar).toHaveAttribute('aria-valuenow', '0');

    expect(
      await within(jobs).findByText('40%, at 2026-11-16; 120 rows written so far.', {}, { timeout: 4000 })
    ).toBeInTheDocument();
    expect(bar).toHaveAttribute('aria-valuenow', '40');
    expect(await within(jobs).findByText(/310 rows written\.$/, {}, { timeout: 4000 })).toBeInTheDocument();
    expect(bar).toHaveAttribute('aria-valuenow', '100');
    expect(within(jobs).getByText('Done')).toBeInTheDocument();
    const reads = backend.calls.filter((c) => c.path === '/pull-jobs/77').length;
    await new Promise((r) => setTimeout(r, 1800));
    expect(backend.calls.filter((c) => c.path === '/pull-jobs/77').length).toBe(reads);
  }, 20_000);

  it('shows a scheduled job already running when the page opens, and the last finished, following it live', async () => {
    const daily = { id: 90, kind: 'daily' as const, connectionId: 32, requestedBy: 'scheduler', startedAt: ago(0) };
    const polls = [
      aJob({ ...daily, state: 'running', progressPct: 60, rowsWritten: 200, currentDay: '2026-11-20' }),
      aJob({ ...daily, state: 'done', progressPct: 100, rowsWritten: 250, finishedAt: ago(0) }),
    ];
    backend
      .on('GET', '/pull-jobs', ({ query }) =>
        query.state === 'queued,running'
          ? page([aJob({ ...daily, state: 'running', progressPct: 25, rowsWritten: 80, currentDay: '2026-11-18' })])
          : page([aJob({ id: 60, state: 'done', progressPct: 100, rowsWritten: 42, finishedAt: ago(DAY) })])
      )
      .on('GET', '/pull-jobs/90', () => ({ body: polls.length > 1 ? polls.shift() : polls[0] }));
    renderSync();

    const jobs = await screen.findByTestId('data-testid vigil pull-jobs');
    const running = await within(jobs).findByRole('listitem', { name: 'Job 90' });
    expect(within(running).getByText('Daily pull: Polar of patient_2')).toBeInTheDocument();
    expect(within(running).getByText('25%, at 2026-11-18; 80 rows written so far.')).toBeInTheDocument();
    const bar = within(running).getByRole('progressbar', { name: 'Progress of job 90' });
    expect(bar).toHaveAttribute('aria-valuenow', '25');
    const finished = within(jobs).getByRole('listitem', { name: 'Job 60' });
    expect(within(finished).getByText(/42 rows written\.$/)).toBeInTheDocument();
    expect(backend.calls.filter((c) => c.path === '/pull-jobs').map((c) => c.query)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ connectionId: '31,32', state: 'queued,running' }),
        expect.objectContaining({ connectionId: '31,32', state: 'done,failed' }),
      ])
    );

    expect(await within(running).findByText(/60%, at 2026-11-20/, {}, { timeout: 4000 })).toBeInTheDocument();
    expect(bar).toHaveAttribute('aria-valuenow', '60');
    expect(await within(running).findByText(/250 rows written\.$/, {}, { timeout: 4000 })).toBeInTheDocument();
    expect(backend.calls.some((c) => c.path === '/pull-jobs/60')).toBe(false);
  }, 20_000);

  it('shows a failed job’s errors', async () => {
    backend
      .on('POST', '/connections/31/pulls', { status: 202, body: { items: [aJob({ kind: 'update_now' })] } })
      .on('GET', '/pull-jobs/77', {
        body: aJob({
          kind: 'update_now',
          state: 'failed',
          progressPct: 100,
          errors: ['sleep 2026-11-20: Withings answered 401'],
        }),
      });
    const { user } = renderSync();
    await user.click(await screen.findByRole('button', { name: 'Update now Withings of patient_1' }));
    const jobs = await screen.findByTestId('data-testid vigil pull-jobs');
    expect(
      await within(jobs).findByText('sleep 2026-11-20: Withings answered 401', {}, { timeout: 4000 })
    ).toBeInTheDocument();
    expect(within(jobs).getByText('Failed')).toBeInTheDocument();
  });

  it('shows the ingest’s objection to the range at the field', async () => {
    backend.on(
      'POST',
      '/connections/31/pulls',
      ingestError(400, 'INVALID_INPUT', 'to: must be after from', [{ field: 'to', message: 'must be after from' }])
    );
    const { user } = renderSync();
    await user.click(await screen.findByRole('button', { name: 'Update range Withings of patient_1' }));
    await user.click(screen.getByRole('button', { name: 'Start update' }));
    expect(await screen.findByText('must be after from')).toBeInTheDocument();
    expect(screen.queryByText('The update was not started')).not.toBeInTheDocument();
  });

  it('checks the range before asking the ingest', async () => {
    const { user } = renderSync();
    await user.click(await screen.findByRole('button', { name: 'Update range Withings of patient_1' }));
    const lastDay = screen.getByLabelText('Last day');
    await user.clear(lastDay);
    await user.type(lastDay, '2020-01-01');
    expect(screen.getByText('The last day must not be before the first.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Start update' })).toBeDisabled();
  });

  it('shows a refused "update now" in words in its row', async () => {
    backend.on('POST', '/connections/32/pulls', ingestError(404, 'NOT_FOUND', 'connection 32 does not exist'));
    const { user } = renderSync();
    await user.click(await screen.findByRole('button', { name: 'Update now Polar of patient_2' }));
    const row = (await screen.findByText('Not started: Connection 32 does not exist.')).closest('tr')!;
    expect(within(row).getByRole('link', { name: 'patient_2' })).toBeInTheDocument();
  });

  it('says so when the connections cannot be loaded', async () => {
    backend.on('GET', '/connections', { status: 502, body: {} });
    renderSync();
    expect(
      await screen.findByText(
        'Grafana could not reach the Vigil ingest: check the ingest URL on the plugin configuration page.'
      )
    ).toBeInTheDocument();
  });

  it('lets a Viewer see the sync state and start nothing', async () => {
    signInAs('Viewer');
    const { user } = renderSync();
    const button = await screen.findByRole('button', { name: 'Update now Withings of patient_1' });
    expect(button).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Update range Polar of patient_2' })).toBeDisabled();
    await user.hover(button.parentElement!);
    expect(await screen.findByText('Only organisation Admins can change this; you are a Viewer.')).toBeInTheDocument();
    expect(backend.changes()).toEqual([]);
  });
});
