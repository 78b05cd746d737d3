import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testIds } from '../../src/components/testIds.ts';
import { screenshot, startStack, type Stack } from './stack.ts';

type Study = { id: number; name: string; timezone: string };
type Survey = { id: number; name: string; content: Array<Record<string, unknown>>; schedules: unknown };

/**
 * A study's configuration for Beiwe phones, in Debian's chromium through the harness's stand-in for
 * Grafana, against a real ingest and MariaDB: device settings, a survey with skip logic, and the
 * study file exported from one study and imported into another. The steps build on each other.
 */
describe('study configuration pages, end to end', () => {
  let stack: Stack;
  let page: Page;
  let study: Study;
  let copy: Study;
  const byTestId = (id: string) => page.getByTestId(id);

  /** The ingest's own view, read and written directly with the shared secret. */
  const ingest = async <T>(path: string, init: { method?: string; body?: unknown; role?: string } = {}): Promise<T> => {
    const res = await fetch(`${stack.ingest.url}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        'content-type': 'application/json',
        'x-vigil-secret': stack.secret,
        'x-grafana-context': JSON.stringify({ Login: 'test', OrgRole: init.role ?? 'Viewer' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    expect(res.status, path).toBeLessThan(300);
    return (await res.json()) as T;
  };
  const newStudy = (name: string, timezone: string) =>
    ingest<Study>('/studies', { method: 'POST', role: 'Admin', body: { name, description: '', timezone } });

  beforeAll(async () => {
    stack = await startStack();
    study = await newStudy('Sleep study', 'Europe/London');
    copy = await newStudy('Copy study', 'UTC');
    ({ page } = await stack.open('admin', `/a/vigil-admin-app/studies/${study.id}`));
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('changes a device setting, shown with Beiwe’s default and limit, and it stays changed', async () => {
    await byTestId(testIds.study.page).waitFor();
    await page.getByRole('tab', { name: /Device settings/ }).click();
    const gpsOff = page.getByLabel(/^GPS off/);
    expect(await gpsOff.inputValue()).toBe('600');
    await page.getByText('Default 300 s · at least 10').waitFor();

    // Below Beiwe's minimum: the ingest's objection appears at the setting.
    await page.getByLabel(/^Wi-Fi scan interval/).fill('5');
    await page.getByRole('button', { name: 'Save device settings' }).click();
    await page.getByText('Must be at least 10.').waitFor();
    await screenshot(page, 'study-config-01-device-settings-error');

    await page.getByLabel(/^Wi-Fi scan interval/).fill('300');
    await gpsOff.fill('300');
    await page.getByRole('checkbox', { name: /^Gyroscope/ }).check({ force: true });
    await page.getByRole('button', { name: 'Save device settings' }).click();
    await byTestId(testIds.notice).getByText('Saved the device settings (version 1).').waitFor();

    const saved = await ingest<{ version: number; settings: Record<string, unknown> }>(
      `/studies/${study.id}/device-settings`
    );
    expect(saved.version).toBe(1);
    expect(saved.settings).toMatchObject({
      gps_off_duration_seconds: 300,
      gyro: true,
      wifi_log_frequency_seconds: 300,
    });

    await page.reload();
    await page.getByText(/Version 1, saved by ann/).waitFor();
    expect(await page.getByLabel(/^GPS off/).inputValue()).toBe('300');
    await screenshot(page, 'study-config-02-device-settings');
  });

  it('creates a survey with answers, skip logic and a weekly time; the ingest’s objection shows at the question', async () => {
    await page.getByRole('tab', { name: /Surveys/ }).click();
    await byTestId(testIds.surveys.page).getByText('No surveys yet').waitFor();
    await page.getByRole('button', { name: 'New survey' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Sleep');

    const first = byTestId(testIds.surveyEditor.question).nth(0);
    await first.getByLabel('Question text').fill('Did you sleep well?');
    // A radio question without answers: the ingest refuses it, at the question's answers.
    await first.getByRole('button', { name: 'Remove answer 1' }).click();
    await page.getByRole('button', { name: 'Create survey' }).click();
    await first.getByText('Needs at least one answer.').waitFor();
    await screenshot(page, 'study-config-03-survey-error');

    await first.getByRole('button', { name: 'Add answer' }).click();
    await first.getByLabel('Question 1 answer 1').fill('Yes');
    await first.getByRole('button', { name: 'Add answer' }).click();
    await first.getByLabel('Question 1 answer 2').fill('No');

    await page.getByRole('button', { name: 'Add question' }).click();
    const second = byTestId(testIds.surveyEditor.question).nth(1);
    await second.getByLabel('Type').selectOption('free_response');
    await second.getByLabel('Question text').fill('What kept you awake?');
    await second.getByRole('radio', { name: 'Only if all of' }).check({ force: true });
    await second.getByLabel('Condition 1 value').fill('1');

    await page.getByRole('button', { name: 'Add weekly time' }).click();
    await page.getByLabel('Weekly time 1 day').selectOption('Wednesday');
    await page.getByLabel('Weekly time 1 time').fill('20:15');
    await page.getByRole('button', { name: 'Create survey' }).click();
    await byTestId(testIds.notice).getByText('Created survey Sleep.').waitFor();
    await screenshot(page, 'study-config-04-survey-editor');

    const { items } = await ingest<{ items: Survey[] }>(`/studies/${study.id}/surveys`);
    expect(items).toHaveLength(1);
    const [q1, q2] = items[0]!.content;
    expect(q1).toMatchObject({ question_type: 'radio_button', answers: [{ text: 'Yes' }, { text: 'No' }] });
    expect(q2).toMatchObject({ question_type: 'free_response', display_if: { '==': [q1!.question_id, 1] } });
    expect(items[0]!.schedules).toEqual({ weekly: [{ day: 3, hour: 20, minute: 15 }], absolute: [], relative: [] });

    await page.getByRole('tab', { name: /Surveys/ }).click();
    await page.getByRole('row', { name: /Sleep/ }).getByText('Wed 20:15').waitFor();
    await screenshot(page, 'study-config-05-surveys');
  });

  it('chooses the wearable measurements and ranks a source first; both stay changed after a reload', async () => {
    await page.getByRole('tab', { name: /Wearable measurements/ }).click();
    const ecg = page.getByRole('checkbox', { name: /^ECG/ });
    await ecg.waitFor({ state: 'attached' });
    expect(await ecg.isChecked()).toBe(false);
    await ecg.check({ force: true });
    await page.getByRole('button', { name: 'Save measurements' }).click();
    await byTestId(testIds.notice).getByText('Saved: the study collects 14 measurements.').waitFor();
    const measured = await ingest<{ chosen: boolean; measurements: string[] }>(`/studies/${study.id}/measurements`);
    expect(measured.chosen).toBe(true);
    expect(measured.measurements).toContain('ecg');

    await page.getByRole('tab', { name: /Source priority/ }).click();
    const steps = page.getByRole('region', { name: 'Steps' });
    await steps.getByText('Default order: Fitbit, Withings, Polar, Phone').waitFor();
    await steps.getByRole('button', { name: 'Add a Steps source' }).click();
    await steps.getByRole('button', { name: 'Add a Steps source' }).click();
    await steps.getByRole('button', { name: 'Move Steps entry 2 up' }).click();
    await page.getByRole('button', { name: 'Save source priority' }).click();
    await byTestId(testIds.notice).getByText('Saved: the preferred series follow the new order.').waitFor();
    const ranked = await ingest<{ priorities: Record<string, unknown> }>(`/studies/${study.id}/source-priority`);
    expect(ranked.priorities.steps).toEqual([{ source: 'withings' }, { source: 'fitbit' }]);

    await page.reload();
    expect(await page.getByRole('region', { name: 'Steps' }).getByLabel('Steps source 1').inputValue()).toBe(
      'withings'
    );
    await page.getByText('Then: Polar, Phone').waitFor();
    await screenshot(page, 'study-config-05a-source-priority');
    await page.getByRole('tab', { name: /Wearable measurements/ }).click();
    const ecgAgain = page.getByRole('checkbox', { name: /^ECG/ });
    await ecgAgain.waitFor({ state: 'attached' });
    expect(await ecgAgain.isChecked()).toBe(true);
  });

  let exported: Record<string, unknown>;

  it('exports the study file and imports it into another study, showing first what it will change', async () => {
    // Vigil's own part of the file (Beiwe's import ignores it): the study prefers the phone's steps.
    await ingest(`/studies/${study.id}/source-priority`, {
      method: 'PUT',
      role: 'Admin',
      body: { steps: [{ source: 'phone' }] },
    });
    await page.getByRole('tab', { name: /Import \/ export/ }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download study file' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('Sleep_study_surveys_and_settings.json');
    const path = await download.path();
    exported = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(exported).toMatchObject({
      device_settings: { gps_off_duration_seconds: 300, gyro: true },
      surveys: [{ name: 'Sleep', survey_type: 'tracking_survey' }],
      study_time_zone: 'Europe/London',
      wearable_source_priorities: { steps: [{ source: 'phone' }] },
    });

    await page.goto(`/a/vigil-admin-app/studies/${copy.id}/study-file`);
    await page.getByLabel('Choose a study file').setInputFiles(path);
    const preview = byTestId(testIds.studyFile.preview);
    await preview.getByText('GPS off: 600 → 300').waitFor();
    await preview.getByText('New survey Sleep (2 questions)').waitFor();
    await preview.getByText('Time zone: UTC → Europe/London').waitFor();
    await preview.getByText('Source priority of Steps: default order → Phone').waitFor();
    await screenshot(page, 'study-config-06-import-preview');
    await preview.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Imported the study file').waitFor();
    await page.getByText('Saved the device settings as version 1.').waitFor();
    await screenshot(page, 'study-config-07-imported');

    const settings = await ingest<{ settings: Record<string, unknown> }>(`/studies/${copy.id}/device-settings`);
    expect(settings.settings).toMatchObject({ gps_off_duration_seconds: 300, gyro: true });
    const { items } = await ingest<{ items: Survey[] }>(`/studies/${copy.id}/surveys`);
    expect(items.map((s) => [s.name, s.content.length])).toEqual([['Sleep', 2]]);
    expect(await ingest<Study>(`/studies/${copy.id}`)).toMatchObject({ timezone: 'Europe/London' });
    const ranked = await ingest<{ priorities: Record<string, unknown> }>(`/studies/${copy.id}/source-priority`);
    expect(ranked.priorities.steps).toEqual([{ source: 'phone' }]);
  });

  it('shows a broken study file’s problems in words, and imports nothing', async () => {
    const broken = structuredClone(exported) as { surveys: Array<{ content: Array<Record<string, unknown>> }> };
    broken.surveys[0]!.content[1]!.display_if = { '==': ['no-such-question', 1] };
    await page.getByLabel('Choose a study file').setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(broken)),
    });
    await byTestId(testIds.studyFile.preview).getByRole('button', { name: 'Import' }).click();
    await page.getByText('The file was not imported: it has one problem').waitFor();
    await page.getByText('Survey 1 “Sleep” › question 2 › skip logic').waitFor();
    expect(await page.getByText('$.surveys').count()).toBe(0);
    await screenshot(page, 'study-config-08-import-problems');
    const { items } = await ingest<{ items: Survey[] }>(`/studies/${copy.id}/surveys`);
    expect(items).toHaveLength(1);
  });

  it('lets a Viewer read the configuration and change none of it', async () => {
    const { context, page: viewer } = await stack.open(
      'viewer',
      `/a/vigil-admin-app/studies/${study.id}/device-settings`
    );
    try {
      const gpsOff = viewer.getByLabel(/^GPS off/);
      await gpsOff.waitFor();
      expect(await gpsOff.isDisabled()).toBe(true);
      expect(await viewer.getByRole('button', { name: 'Save device settings' }).isDisabled()).toBe(true);
      await viewer.getByRole('button', { name: 'Save device settings' }).hover({ force: true });
      await viewer.getByText('Only organisation Admins can change this; you are a Viewer.').first().waitFor();
      await screenshot(viewer, 'study-config-09-viewer-device-settings');

      await viewer.getByRole('tab', { name: /Surveys/ }).click();
      await viewer.getByRole('link', { name: 'Sleep', exact: true }).click();
      await viewer.getByTestId(testIds.surveyEditor.question).first().waitFor();
      expect(await viewer.getByRole('button', { name: 'Save survey' }).isDisabled()).toBe(true);
      expect(await viewer.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);

      // Going around the disabled button: Grafana's proxy refuses before the ingest sees anything.
      const status = await viewer.evaluate(async (id) => {
        const res = await fetch(`/api/plugin-proxy/vigil-admin-app/api/v1/studies/${id}/device-settings`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ gps: false }),
        });
        return res.status;
      }, study.id);
      expect(status).toBe(403);

      await viewer.goto(`/a/vigil-admin-app/studies/${study.id}/measurements`);
      const ecg = viewer.getByRole('checkbox', { name: /^ECG/ });
      await ecg.waitFor({ state: 'attached' });
      expect(await ecg.isChecked()).toBe(true);
      expect(await ecg.isDisabled()).toBe(true);
      expect(await viewer.getByRole('button', { name: 'Save measurements' }).isDisabled()).toBe(true);

      await viewer.getByRole('tab', { name: /Source priority/ }).click();
      const steps = viewer.getByRole('region', { name: 'Steps' });
      // The export step left the study preferring the phone's steps.
      await steps.getByText('Phone (any device)').waitFor();
      expect(await steps.getByRole('combobox').count()).toBe(0);
      expect(await steps.getByRole('button', { name: 'Add a Steps source' }).count()).toBe(0);
      expect(await viewer.getByRole('button', { name: 'Save source priority' }).isDisabled()).toBe(true);
      await screenshot(viewer, 'study-config-10-viewer-source-priority');
    } finally {
      await context.close();
    }
    const viewerChanges = stack.harness.requests.filter((r) => r.user === 'viewer' && r.method !== 'GET' && r.upstream);
    expect(viewerChanges).toEqual([]);
    const current = await ingest<{ version: number; settings: Record<string, unknown> }>(
      `/studies/${study.id}/device-settings`
    );
    expect(current).toMatchObject({ version: 1, settings: { gps: true } });
  });
});
