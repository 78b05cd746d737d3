import { describe, expect } from 'vitest';
import { beiweForm } from '../../test/beiwe-zip.ts';
import { uniqueName } from '../../test/factories.ts';
import { asAdmin, asViewer, test, withoutSecret } from '../../test/fixtures.ts';
import { createPhone } from '../../test/phone-emulator/phone.ts';

/**
 * Beiwe's extensive device info tracking: off by default; while an admin has it on, each request's
 * `device_status_report` is kept as the phone sent it and served by
 * `/get-participant-device-status-history/v1` in Beiwe's shape, and the phone's settings say it is on.
 */
describe('device info tracking', () => {
  test('an admin switches it; every request meanwhile is kept and served as Beiwe serves it', async ({
    app,
    clock,
  }) => {
    const post = async (path: string, body: unknown) =>
      (await app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) })).json();
    const study = (await post('/api/v1/studies', { name: uniqueName('Device status') })) as {
      id: number;
      objectId: string;
    };
    const enrolled = (await post(`/api/v1/studies/${study.id}/participants`, { label: 'd1' })) as {
      id: number;
      beiwe: { patientId: string; temporaryPassword: string };
    };
    const key = (await post('/api/v1/data-access/keys', { studyId: study.id, name: 'status' })) as {
      accessKey: string;
      secretKey: string;
    };
    // Each report as the phone put it in its body (Android's body is unescaped: the raw JSON).
    const sent: string[] = [];
    const phone = createPhone({
      os: 'android',
      serverUrl: 'http://vigil.test',
      patientId: enrolled.beiwe.patientId,
      temporaryPassword: enrolled.beiwe.temporaryPassword,
      seed: 'status',
      now: () => clock().getTime(),
      fetch: (input, init) => {
        const body = init?.body instanceof Uint8Array ? Buffer.from(init.body).toString() : '';
        const report = /device_status_report=(.*?)&timezone=/s.exec(body)?.[1];
        if (report !== undefined) sent.push(report);
        return Promise.resolve(app.request(input as string, init));
      },
    });
    const history = async () => {
      const res = await app.request(
        '/get-participant-device-status-history/v1',
        beiweForm({
          access_key: key.accessKey,
          secret_key: key.secretKey,
          participant_id: enrolled.beiwe.patientId,
        })
      );
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>[];
    };
    const settings = async () =>
      (JSON.parse((await phone.getLatestDeviceSettings()).body) as Record<string, unknown>)
        .enable_extensive_device_info_tracking;

    expect((await phone.register()).status).toBe(200);
    expect(await settings()).toBe(false);
    expect(await history()).toEqual([]);

    const tracking = (enabled: unknown, headers: Record<string, string> = asAdmin, id = enrolled.id) =>
      app.request(`/api/v1/participants/${id}/beiwe/device-info-tracking`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ enabled }),
      });
    expect((await tracking(true, asViewer)).status).toBe(403);
    expect((await tracking(true, withoutSecret)).status).toBe(401);
    const bad = await tracking('yes');
    expect([bad.status, JSON.stringify(await bad.json())]).toEqual([400, expect.stringContaining('enabled')]);
    expect((await tracking(true, asAdmin, 4_000_000_000)).status).toBe(404);
    const on = await tracking(true);
    expect([on.status, ((await on.json()) as { deviceInfoTracking: boolean }).deviceInfoTracking]).toEqual([200, true]);

    sent.length = 0;
    clock.set(new Date('2026-11-21T09:30:00.250Z'));
    expect(await settings()).toBe(true);
    clock.set(new Date('2026-11-21T09:31:00Z'));
    expect((await phone.heartbeat()).status).toBe(200);
    expect((await tracking(false)).status).toBe(200);
    expect((await phone.heartbeat()).status).toBe(200);

    expect(sent).toHaveLength(3);
    const rows = await history();
    expect(rows.map((r) => Object.keys(r))).toEqual(
      Array(2).fill(['created_on', 'endpoint', 'app_os', 'os_version', 'app_version', 'device_status'])
    );
    expect(rows.map(({ device_status: _, ...r }) => r)).toEqual([
      {
        created_on: '2026-11-21T09:30:00Z',
        endpoint: '/get_latest_device_settings',
        app_os: 'ANDROID',
        os_version: '14',
        app_version: '3.6.0 84',
      },
      {
        created_on: '2026-11-21T09:31:00Z',
        endpoint: '/mobile-heartbeat',
        app_os: 'ANDROID',
        os_version: '14',
        app_version: '3.6.0 84',
      },
    ]);
    expect(rows.map((r) => r.device_status)).toEqual(sent.slice(0, 2).map((s) => JSON.parse(s) as unknown));
  });
});
