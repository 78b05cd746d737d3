import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhone } from '../../../ingest/src/test/phone-emulator/phone.ts';
import { visit } from '../../../ingest/src/test/provider-simulators/browser.ts';
import { testIds } from '../../src/components/testIds.ts';
import { screenshot, startStack, type Stack } from './stack.ts';

/**
 * The built plugin in Debian's chromium, through the harness's stand-in for Grafana (its plugin
 * proxy applies plugin.json's routes), against a real ingest process and MariaDB. The steps build
 * on each other, as an admin's session would.
 */
describe('the admin pages, end to end', () => {
  let stack: Stack;
  let page: Page;
  const byTestId = (id: string) => page.getByTestId(id);

  beforeAll(async () => {
    stack = await startStack();
    ({ page } = await stack.open('admin', '/a/vigil-admin-app/studies'));
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The ingest's own view, read directly with the shared secret. */
  const ingestGet = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${stack.ingest.url}/api/v1${path}`, {
      headers: {
        'x-vigil-secret': stack.secret,
        'x-grafana-context': JSON.stringify({ Login: 'test', OrgRole: 'Viewer' }),
      },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  it('creates a study, with the ingest’s objection to a bad time zone shown at the field', async () => {
    await page.getByRole('button', { name: 'New study' }).click();
    await page.getByLabel(/^Name/).fill('Sleep study');
    await page.getByLabel('Description', { exact: true }).fill('Nightly sleep and activity');
    await page.getByLabel(/^Time zone/).fill('Mars/Olympus_Mons');
    await page.getByRole('button', { name: 'Create study' }).click();
    await expect
      .poll(() => page.getByText('expected an IANA time zone such as Europe/London or UTC').isVisible())
      .toBe(true);
    await screenshot(page, '01-study-form-error');

    await page.getByLabel(/^Time zone/).fill('Europe/London');
    await page.getByRole('button', { name: 'Create study' }).click();
    await byTestId(testIds.notice).getByText('Created study Sleep study.').waitFor();
    await page.getByRole('link', { name: 'Sleep study' }).waitFor();
    await screenshot(page, '02-studies');

    const { items } = await ingestGet<{ items: { name: string; timezone: string }[] }>('/studies');
    expect(items).toEqual([expect.objectContaining({ name: 'Sleep study', timezone: 'Europe/London' })]);
  });

  let credentials: { patientId: string; temporaryPassword: string; serverUrl: string };
  let withingsLink: string;
  let phone: ReturnType<typeof createPhone>;
  let participantPath: string;

  it('adds a participant and shows the enrolment sheet: Beiwe credentials and a Withings QR code, once', async () => {
    await page.getByRole('link', { name: 'Sleep study' }).click();
    await byTestId(testIds.study.page).waitFor();
    await page.getByRole('button', { name: 'Add participant' }).click();
    await page.getByLabel(/^Label/).fill('patient_1');
    await page.getByRole('checkbox', { name: 'Withings' }).check({ force: true });
    await page.getByRole('button', { name: 'Add participant' }).last().click();

    const sheet = byTestId(testIds.enrolmentSheet.sheet);
    await sheet.waitFor();
    credentials = {
      patientId: (await byTestId(testIds.enrolmentSheet.patientId).textContent()) ?? '',
      temporaryPassword: (await byTestId(testIds.enrolmentSheet.password).textContent()) ?? '',
      serverUrl: (await byTestId(testIds.enrolmentSheet.serverUrl).textContent()) ?? '',
    };
    expect(credentials.patientId).toMatch(/^[a-z1-9]{8}$/);
    expect(credentials.temporaryPassword.length).toBeGreaterThanOrEqual(8);
    expect(credentials.serverUrl).toBe(stack.ingest.url);
    const qr = byTestId(testIds.enrolmentSheet.link).getByRole('img', { name: 'QR code to connect Withings' });
    withingsLink = (await qr.getAttribute('data-qr')) ?? '';
    expect(withingsLink).toMatch(new RegExp(`^${stack.ingest.url}/connect/start\\?link=`));
    await expect.poll(() => page.getByText('Shown only once').isVisible()).toBe(true);
    await screenshot(page, '03-enrolment-sheet');
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => sheet.count()).toBe(0);

    // The password exists nowhere else: reloading the page does not bring it back.
    await page.reload();
    await page.getByRole('link', { name: 'patient_1' }).waitFor();
    expect(await page.getByText(credentials.temporaryPassword).count()).toBe(0);
  });

  it('shows the phone registered and its last upload once a phone signs in with the sheet', async () => {
    // An emulated Beiwe phone, typed in from the sheet, talks to the ingest directly.
    phone = createPhone({ os: 'android', ...credentials, seed: 'plugin-e2e' });
    expect((await phone.register()).status).toBe(200);
    const [file] = phone.generateFiles({ from: Date.now() - 3_600_000, hours: 1, streams: ['accelerometer'] });
    expect((await phone.upload(file!.fileName, file!.bytes)).status).toBe(200);
    expect((await phone.heartbeat()).status).toBe(200);

    await page.reload();
    const row = page.getByRole('row', { name: /patient_1/ });
    await row.getByText('Registered (android)').waitFor();
    await expect.poll(() => row.getByText('just now').count()).toBe(2);
    await screenshot(page, '04-participants');
  });

  it('shows the wearable connected once the patient opens the sheet’s link and consents at Withings', async () => {
    stack.withings.consent({});
    const visited = await visit(withingsLink);
    expect(visited.status).toBe(200);
    await page.reload();
    await page
      .getByRole('row', { name: /patient_1/ })
      .getByText('Withings: Connected')
      .waitFor();
  });

  it('renames the participant, and refuses a label already taken in words at the field', async () => {
    await page.getByRole('button', { name: 'Add participant' }).click();
    await page.getByLabel(/^Label/).fill('patient_2');
    await page.getByRole('checkbox', { name: 'Issue Beiwe phone credentials' }).uncheck({ force: true });
    await page.getByRole('button', { name: 'Add participant' }).last().click();
    await page.getByRole('link', { name: 'patient_2' }).waitFor();

    await page.getByRole('button', { name: 'Edit patient_1' }).click();
    await page.getByLabel(/^Label/).fill('patient_2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByText('another participant in this study is already labelled "patient_2".', { exact: false })
      .waitFor();
    await screenshot(page, '05-rename-conflict');

    await page.getByLabel(/^Label/).fill('patient_one');
    await page.getByRole('button', { name: 'Save' }).click();
    await byTestId(testIds.notice).getByText('Saved patient_one.').waitFor();
    await page.getByRole('link', { name: 'patient_one' }).waitFor();
  });

  it('opens the participant: phone, uploads, and the link to their dashboard', async () => {
    await page.getByRole('link', { name: 'patient_one' }).click();
    await byTestId(testIds.participant.page).waitFor();
    await byTestId(testIds.participant.phone).getByText('Registered (android)').waitFor();
    await byTestId(testIds.participant.uploads).getByText('accelerometer').waitFor();
    const devices = byTestId(testIds.devices.section);
    await devices
      .getByRole('row', { name: /Withings/ })
      .getByText('Connected')
      .waitFor();
    await screenshot(page, '06-participant');

    // A second link, made from the page: shown once with its QR code, then listed as pending.
    await devices.getByRole('button', { name: 'Connect a device' }).click();
    await page.getByRole('button', { name: 'Create link' }).click();
    await byTestId(testIds.devices.connectLink).getByRole('img', { name: 'QR code to connect Withings' }).waitFor();
    await screenshot(page, '07-connect-link');
    await page.getByRole('button', { name: 'Done' }).click();
    await devices.getByText('Withings link pending').waitFor();

    // The wearable was the wrong person's: move it to patient_2.
    await devices.getByRole('button', { name: 'Move Withings' }).click();
    await byTestId(testIds.devices.move).getByRole('radio', { name: 'patient_2' }).check({ force: true });
    await page.getByRole('button', { name: 'Move connection' }).click();
    await byTestId(testIds.notice).getByText('Moved Withings to patient_2.').waitFor();
    await expect.poll(() => devices.getByRole('row', { name: /Withings/ }).count()).toBe(0);

    participantPath = new URL(page.url()).pathname;
    const participantId = /participants\/(\d+)/.exec(page.url())?.[1];
    await page.getByRole('link', { name: 'Open dashboard' }).click();
    await page.getByTestId('harness-dashboard').waitFor();
    expect(page.url()).toContain(`/d/vigil-participant-overview?var-study=`);
    expect(page.url()).toContain(`&var-participant=${participantId}`);
    await page.goBack();
    await byTestId(testIds.participant.page).waitFor();
  });

  it('deletes the participant with an Undo, and restores from the Trash', async () => {
    await page.getByRole('link', { name: 'Sleep study' }).first().click();
    await page.getByRole('link', { name: 'patient_one' }).waitFor();
    await page
      .getByRole('row', { name: /patient_2/ })
      .getByText('Withings: Connected')
      .waitFor();

    await page.getByRole('button', { name: 'Delete patient_one' }).click();
    const notice = byTestId(testIds.notice);
    await notice.getByText('Deleted patient_one.').waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'patient_one' }).count()).toBe(0);
    await screenshot(page, '08-deleted-with-undo');
    await notice.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('link', { name: 'patient_one' }).waitFor();

    await page.getByRole('button', { name: 'Delete patient_2' }).click();
    await notice.getByText('Deleted patient_2.').waitFor();
    await page.getByRole('radio', { name: 'Trash' }).check({ force: true });
    await page.getByRole('button', { name: 'Restore patient_2' }).click();
    await notice.getByText('Restored patient_2.').waitFor();
    await page.getByRole('radio', { name: 'Participants' }).check({ force: true });
    await page.getByRole('link', { name: 'patient_2' }).waitFor();
  });

  it('lists who did what in the audit log, filterable, with before and after', async () => {
    await page.goto('/a/vigil-admin-app/audit');
    await byTestId(testIds.audit.table).waitFor();
    await page.getByLabel('Action', { exact: true }).fill('participant.rename');
    await page.getByRole('button', { name: 'Apply' }).click();
    const row = page.getByRole('row', { name: /participant\.rename/ });
    await row.getByText('ann (Admin)').waitFor();
    await expect.poll(() => page.getByRole('row', { name: /participant\./ }).count()).toBe(1);
    await row.getByRole('button').first().click();
    await page.getByRole('cell', { name: 'patient_one', exact: true }).waitFor();
    await screenshot(page, '09-audit');
  });

  it('shows the processing queue', async () => {
    await page.goto('/a/vigil-admin-app/operations');
    await byTestId(testIds.operations.queue).getByText('Waiting', { exact: true }).waitFor();
    await screenshot(page, '10-operations');
  });

  it('saves the iOS Firebase file from the Operations page and shows only that it is set', async () => {
    const plist = `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>API_KEY</key><string>AIzaSyE2eIosKeySecret</string><key>PROJECT_ID</key><string>vigil-e2e</string></dict></plist>`;
    const row = byTestId(testIds.pushCredentials.row).filter({ hasText: 'GoogleService-Info.plist' });
    await row.getByText('Not set').waitFor();
    await row.getByRole('textbox').fill(plist);
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved the iOS app file (GoogleService-Info.plist).').waitFor();
    await row.getByText('Set', { exact: true }).waitFor();
    expect(await row.getByRole('textbox').inputValue()).toBe('');
    expect(await page.content()).not.toContain('AIzaSyE2eIosKeySecret');
    await screenshot(page, '10b-push-credentials');

    const res = await fetch(`${stack.ingest.url}/api/v1/push/credentials`, {
      headers: {
        'x-vigil-secret': stack.secret,
        'x-grafana-context': JSON.stringify({ Login: 'test', OrgRole: 'Admin' }),
      },
    });
    expect(await res.json()).toMatchObject({ serviceAccount: false, android: false, ios: true });
  });

  it('sends a test notification from the participant page and shows what Firebase answered', async () => {
    const account = stack.firebase.createServiceAccount('vigil-e2e');
    const saved = await fetch(`${stack.ingest.url}/api/v1/push/credentials`, {
      method: 'PUT',
      headers: {
        'x-vigil-secret': stack.secret,
        'x-grafana-context': JSON.stringify({ Login: 'ann', OrgRole: 'Admin' }),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ serviceAccount: account }),
    });
    expect(saved.status).toBe(200);
    const token = `ZTJlLXBob25lLXRva2Vu:APA91b${'e'.repeat(140)}`;
    // Beiwe answers the token with 204 No Content.
    expect((await phone.setFcmToken(token)).status).toBe(204);

    await page.goto(participantPath);
    const panel = byTestId(testIds.participant.notifications);
    await panel.getByText('No notifications yet.').waitFor();
    const before = stack.firebase.sent.length;
    await panel.getByRole('button', { name: 'Send a test notification' }).click();
    await panel.getByText('Test notification: sent: Firebase accepted the push').waitFor();
    await panel
      .getByRole('row', { name: /Test notification/ })
      .getByText('Sent', { exact: true })
      .waitFor();
    expect(stack.firebase.sent.slice(before)).toEqual([
      expect.objectContaining({
        projectId: 'vigil-e2e',
        message: {
          token,
          android: { priority: 'HIGH', data: expect.objectContaining({ type: 'message' }) as unknown },
        },
      }),
    ]);
    await screenshot(page, '10c-test-notification');

    // The app was removed from the phone: Firebase refuses the token, which is retired.
    stack.firebase.unregister(token);
    await panel.getByRole('button', { name: 'Send a test notification' }).click();
    await panel.getByText(/^Test notification: FCM refused: UNREGISTERED/).waitFor();
    await expect.poll(() => panel.getByRole('row', { name: /Test notification/ }).count()).toBe(2);
    await panel
      .getByRole('row', { name: /unregistered/ })
      .getByText('Failed', { exact: true })
      .waitFor();
    await panel.getByRole('button', { name: 'Send a test notification' }).click();
    await panel.getByText(/^Test notification not sent: .*no registered phone token/i).waitFor();
    await screenshot(page, '10d-test-notification-refused');
  });

  it('tests the connection from the configuration page', async () => {
    await page.goto('/plugins/vigil-admin-app');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await byTestId(testIds.appConfig.result)
      .getByText(/the ingest sees you as ann \(Admin/)
      .waitFor();
    await screenshot(page, '11-configuration');
  });

  it('lets a Viewer see everything and change nothing', async () => {
    const { context, page: viewer } = await stack.open('viewer', '/a/vigil-admin-app/studies');
    try {
      await viewer.getByRole('link', { name: 'Sleep study' }).waitFor();
      expect(await viewer.getByRole('button', { name: 'New study' }).isDisabled()).toBe(true);
      expect(await viewer.getByRole('button', { name: 'Delete Sleep study' }).isDisabled()).toBe(true);
      await viewer.getByRole('button', { name: 'New study' }).hover({ force: true });
      await viewer.getByText('Only organisation Admins can change this; you are a Viewer.').first().waitFor();
      await screenshot(viewer, '12-viewer-studies');

      await viewer.getByRole('link', { name: 'Sleep study' }).click();
      await viewer.getByRole('link', { name: 'patient_one' }).waitFor();
      for (const name of ['Add participant', 'Edit patient_one', 'Reset password patient_one', 'Delete patient_one']) {
        expect(await viewer.getByRole('button', { name }).isDisabled(), name).toBe(true);
      }
      await screenshot(viewer, '13-viewer-participants');

      await viewer.getByRole('link', { name: 'patient_one' }).click();
      const panel = viewer.getByTestId(testIds.participant.notifications);
      await panel
        .getByRole('row', { name: /Test notification/ })
        .first()
        .waitFor();
      expect(await panel.getByRole('button', { name: 'Send a test notification' }).isDisabled()).toBe(true);
      const sentBefore = stack.firebase.attempts.length;
      const tried = await viewer.evaluate(async (path) => {
        const id = /participants\/(\d+)/.exec(path)?.[1];
        const res = await fetch(`/api/plugin-proxy/vigil-admin-app/api/v1/participants/${id}/push-notifications/test`, {
          method: 'POST',
        });
        return res.status;
      }, participantPath);
      expect(tried).toBe(403);
      expect(stack.firebase.attempts.length).toBe(sentBefore);
      // The page's own requests are done before the next check counts the proxy's requests.
      await viewer.waitForLoadState('networkidle');

      // Going around the disabled buttons: Grafana's proxy refuses before the ingest sees anything.
      const before = stack.harness.requests.length;
      const attempt = await viewer.evaluate(async () => {
        const res = await fetch('/api/plugin-proxy/vigil-admin-app/api/v1/studies', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'Sneaky study' }),
        });
        return { status: res.status, body: (await res.json()) as unknown };
      });
      expect(attempt).toEqual({ status: 403, body: { message: 'plugin proxy route access denied' } });
      const attempts = stack.harness.requests.slice(before);
      expect(attempts).toEqual([expect.objectContaining({ method: 'POST', user: 'viewer', status: 403 })]);
      expect(attempts[0]?.upstream).toBeUndefined();
    } finally {
      await context.close();
    }
    // Nothing a Viewer did reached the ingest as a change.
    const viewerChanges = stack.harness.requests.filter((r) => r.user === 'viewer' && r.method !== 'GET' && r.upstream);
    expect(viewerChanges).toEqual([]);
    const { items } = await ingestGet<{ items: { name: string }[] }>('/studies');
    expect(items.map((s) => s.name)).toEqual(['Sleep study']);
  });

  it('sent every change as the signed-in Grafana user, through the shared secret', async () => {
    const { items } = await ingestGet<{ items: { action: string; actor: { login: string; role: string } }[] }>(
      '/audit?limit=200'
    );
    // Besides the patient's own consent (recorded by the connect flow), every change was Ann's.
    const actors = new Set(items.map((i) => `${i.actor.login}/${i.actor.role}`));
    expect(actors).toEqual(new Set(['ann/Admin', 'patient/None']));
    expect(items.filter((i) => i.actor.login === 'ann').length).toBeGreaterThanOrEqual(8);
  });
});
