import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visit } from '../../../ingest/src/test/provider-simulators/browser.ts';
import { withingsData } from '../../../ingest/src/test/provider-simulators/withings-data.ts';
import { grafanaContext } from '../harness/plugin-proxy.ts';
import { testIds } from '../../src/components/testIds.ts';
import { screenshot, startStack, users, type Stack } from './stack.ts';

const DAY_MS = 86_400_000;

/** A weighing each morning of the last fortnight, for every Withings user the simulator serves. */
function dailyWeights() {
  const data = withingsData();
  data.generate = () => {
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const measuregrps = Array.from({ length: 14 }, (_, i) => {
      const at = Math.floor((today - i * DAY_MS + 8 * 3_600_000) / 1000);
      return {
        grpid: i + 1,
        attrib: 0,
        date: at,
        created: at,
        modified: at,
        category: 1,
        deviceid: 'scale-1',
        model: 'Body Cardio',
        measures: [{ value: 72_000 + i * 100, type: 1, unit: -3 }],
      };
    }).filter((g) => g.date * 1000 < Date.now());
    return { timezone: 'Europe/London', measuregrps, nights: [], segments: [] };
  };
  return data;
}

/**
 * The Sync and Notifications pages and a participant's retire and export, in Debian's chromium
 * against a real ingest: a wearable connected through the Withings simulator, an "update range"
 * run by the ingest's own scheduler (its next minute tick) with the page's progress bar following
 * it, and a Viewer who can change none of it.
 */
describe('sync, notifications, retire and export, end to end', () => {
  let stack: Stack;
  let page: Page;
  let studyId: number;
  let participantId: number;
  const byTestId = (id: string) => page.getByTestId(id);

  /** The ingest's admin API, straight (not through the harness), as Ann. */
  const ingest = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${stack.ingest.url}/api/v1${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-vigil-secret': stack.secret,
        'x-grafana-context': grafanaContext(users.admin),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    stack = await startStack({ withings: { extend: dailyWeights().extend } });
    ({ id: studyId } = await ingest<{ id: number }>('POST', '/studies', {
      name: 'Sleep study',
      description: '',
      timezone: 'Europe/London',
    }));
    ({ id: participantId } = await ingest<{ id: number }>('POST', `/studies/${studyId}/participants`, {
      label: 'patient_1',
      beiwe: true,
    }));
    const link = await ingest<{ url: string }>('POST', `/participants/${participantId}/connect-links`, {
      provider: 'withings',
    });
    stack.withings.consent({});
    expect((await visit(link.url)).status).toBe(200);
    ({ page } = await stack.open('admin', '/a/vigil-admin-app/sync'));
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('shows the connection’s sync state on the Sync page', async () => {
    const table = byTestId(testIds.sync.connections);
    const row = table.getByRole('row', { name: /patient_1/ });
    await row.getByText('Connected').waitFor();
    await row.getByText('Withings').waitFor();
    await screenshot(page, 'sync-01-connections');
  });

  it('shows what each vendor can take within its quotas, from the ingest’s own figures', async () => {
    const section = byTestId(testIds.sync.capacity);
    const withings = section.getByRole('row', { name: /^Withings/ });
    await withings.waitFor();
    // One connection; the default settings leave Withings room for 1,512 in 70% of its 120 calls a minute.
    expect(await withings.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['Withings', '1', '1,512', 'per app per minute'])
    );
    await section
      .getByRole('row', { name: /^Polar/ })
      .getByText('no limit from its quotas')
      .waitFor();
  });

  it('runs an update for a range of days: queued until the scheduler’s tick, then a progress bar to done', async () => {
    await page.getByRole('button', { name: 'Update range Withings of patient_1' }).click();
    const form = byTestId(testIds.sync.range);
    await form.getByRole('button', { name: 'Last 7 days' }).click();
    await form.getByRole('button', { name: 'Start update' }).click();

    const jobs = byTestId(testIds.sync.jobs);
    const job = jobs.getByRole('listitem').first();
    const bar = job.getByRole('progressbar');
    await bar.waitFor();
    const jobId = Number((await job.getAttribute('aria-label'))?.replace('Job ', ''));
    const first = await job.textContent();
    // The scheduler runs every minute; a job seen before its tick says it is waiting for it.
    if (first?.includes('Queued')) {
      await job.getByText(/next scheduler run/).waitFor();
      await screenshot(page, 'sync-02-queued');
    }

    // Follow the bar as the page polls the job; the page is never reloaded.
    const seen: number[] = [];
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      seen.push(Number((await bar.getAttribute('aria-valuenow')) ?? -1));
      if (await job.getByText('Done', { exact: true }).isVisible()) break;
      expect(await job.getByText('Failed', { exact: true }).isVisible(), (await job.textContent()) ?? '').toBe(false);
      await page.waitForTimeout(250);
    }
    await job.getByText('Done', { exact: true }).waitFor({ timeout: 1000 });
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    expect(seen[0]).toBeLessThan(100);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    await screenshot(page, 'sync-03-done');

    // What the page shows is the ingest's own account of the job.
    const done = await ingest<{ state: string; kind: string; rowsWritten: number; from: string; to: string }>(
      'GET',
      `/pull-jobs/${jobId}`
    );
    expect(done).toMatchObject({ state: 'done', kind: 'update_range' });
    expect(done.rowsWritten).toBeGreaterThan(0);
    await job.getByText(new RegExp(`: ${done.rowsWritten} rows written\\.`)).waitFor();
    expect(Date.parse(done.to) - Date.parse(done.from)).toBeGreaterThan(7 * DAY_MS);

    // The pull refreshed the connection's sync state: a successful pull and a device seen an hour ago.
    const row = byTestId(testIds.sync.connections).getByRole('row', { name: /patient_1/ });
    await expect.poll(() => row.locator('[data-recency]').first().getAttribute('data-recency')).toBe('recent');
    expect(await row.getByText('never').count()).toBe(0);
  }, 200_000);

  it('shows the same on the participant’s page, and exports their data as a ZIP with progress', async () => {
    await page.goto(`/a/vigil-admin-app/participants/${participantId}`);
    await byTestId(testIds.participant.page).waitFor();
    await byTestId(testIds.sync.connections).getByRole('button', { name: 'Update now Withings' }).waitFor();

    await page.getByRole('button', { name: 'Export data' }).click();
    await byTestId(testIds.exportData.form).waitFor();
    await screenshot(page, 'sync-04-export-form');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download' }).click();
    const file = await download;
    const bytes = await readFile((await file.path())!);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(file.suggestedFilename()).toMatch(/\.zip$/);
    await byTestId(testIds.exportData.progress)
      .getByText(/^Saved .+\.zip \(/)
      .waitFor();
    await screenshot(page, 'sync-05-export-saved');
    await page.getByRole('button', { name: 'Done' }).click();
  });

  it('retires the participant after confirmation', async () => {
    await page.getByRole('button', { name: 'Retire patient_1' }).click();
    await page.getByText(/cannot be undone/).waitFor();
    await screenshot(page, 'sync-06-retire-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Retire' }).click();
    await byTestId(testIds.notice)
      .getByText(/Retired patient_1/)
      .waitFor();
    await byTestId(testIds.participant.phone).getByText('Retired').waitFor();
    const phone = await ingest<{ beiwe: { retiredAt: string | null } }>('GET', `/participants/${participantId}`);
    expect(phone.beiwe.retiredAt).not.toBeNull();
  });

  it('sets the study’s notification recipients, with the ingest’s objection shown at the address', async () => {
    await page.goto(`/a/vigil-admin-app/studies/${studyId}/notifications`);
    const form = byTestId(testIds.notifications.form);
    await form.getByLabel('Recipient 1', { exact: true }).fill('nurse@clinic.example');
    await form.getByRole('button', { name: 'Add recipient' }).click();
    await form.getByLabel('Recipient 2', { exact: true }).fill('not an address');
    await form.getByLabel(/Stale after/).fill('4');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('group', { name: 'Recipient line 2' }).getByText('expected an e-mail address').waitFor();
    await screenshot(page, 'sync-07-notifications-error');

    await form.getByLabel('Recipient 2', { exact: true }).fill('lead@clinic.example');
    await form.getByRole('button', { name: 'Save' }).click();
    await byTestId(testIds.notice).getByText('Saved the notification settings.').waitFor();
    expect(await ingest('GET', `/studies/${studyId}/sync-alerts`)).toMatchObject({
      recipients: ['nurse@clinic.example', 'lead@clinic.example'],
      staleDeviceDays: 4,
    });
    await screenshot(page, 'sync-08-notifications');
  });

  it('lets a Viewer see the sync state and notifications and change nothing', async () => {
    const { context, page: viewer } = await stack.open('viewer', '/a/vigil-admin-app/sync');
    try {
      const row = viewer.getByTestId(testIds.sync.connections).getByRole('row', { name: /patient_1/ });
      await row.getByText('Connected').waitFor();
      for (const name of ['Update now Withings of patient_1', 'Update range Withings of patient_1']) {
        expect(await viewer.getByRole('button', { name }).isDisabled(), name).toBe(true);
      }
      await viewer.getByRole('button', { name: 'Update now Withings of patient_1' }).hover({ force: true });
      await viewer.getByText('Only organisation Admins can change this; you are a Viewer.').first().waitFor();
      await screenshot(viewer, 'sync-09-viewer-sync');

      await viewer.goto(`/a/vigil-admin-app/studies/${studyId}/notifications`);
      const form = viewer.getByTestId(testIds.notifications.form);
      expect(await form.getByLabel('Recipient 1', { exact: true }).inputValue()).toBe('nurse@clinic.example');
      expect(await form.getByLabel('Recipient 1', { exact: true }).isDisabled()).toBe(true);
      expect(await form.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
      expect(await viewer.getByRole('button', { name: 'Check and send now' }).isDisabled()).toBe(true);
      await screenshot(viewer, 'sync-10-viewer-notifications');

      // Around the disabled buttons: Grafana's proxy refuses before the ingest sees anything.
      const connectionId = (
        await ingest<{ items: { id: number }[] }>('GET', `/participants/${participantId}/connections`)
      ).items[0]!.id;
      const status = await viewer.evaluate(async (id) => {
        const res = await fetch(`/api/plugin-proxy/vigil-admin-app/api/v1/connections/${id}/pulls`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
        });
        return res.status;
      }, connectionId);
      expect(status).toBe(403);
    } finally {
      await context.close();
    }
    const viewerChanges = stack.harness.requests.filter((r) => r.user === 'viewer' && r.method !== 'GET' && r.upstream);
    expect(viewerChanges).toEqual([]);
  });
});
