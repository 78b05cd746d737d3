import { describe, expect } from 'vitest';
import { auditRowsFor, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer, jsonBody, test, withoutSecret } from '../test/fixtures.ts';
import { currentDeviceSettings } from './device-settings-store.ts';

type VersionJson = { studyId: number; version: number; createdBy: string | null; settings: Record<string, unknown> };
type ErrorJson = { error: { code: string; message: string; fields?: { field: string; message: string }[] } };

describe('GET /api/v1/studies/:id/device-settings', () => {
  test("a study with nothing saved has Beiwe's defaults, as version 0", async ({ app, db }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/device-settings`, { headers: asViewer });
    expect(res.status).toBe(200);
    const body = (await res.json()) as VersionJson;
    expect(body).toMatchObject({ studyId: study.id, version: 0, createdBy: null });
    expect(body.settings).toMatchObject({
      accelerometer: true,
      accelerometer_frequency: 10,
      gps_on_duration_seconds: 60,
    });
    expect(body.settings).not.toHaveProperty('id');
  });

  test('401 without secret, 404 for an unknown study', async ({ app, db }) => {
    const study = await insertStudy(db);
    expect((await app.request(`/api/v1/studies/${study.id}/device-settings`, { headers: withoutSecret })).status).toBe(
      401
    );
    expect((await app.request('/api/v1/studies/4000000000/device-settings', { headers: asViewer })).status).toBe(404);
  });
});

describe('PUT /api/v1/studies/:id/device-settings', () => {
  test('changes the named settings, keeps the others, versions and audits each change', async ({ app, db, clock }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}/device-settings`;
    const put = (body: unknown) => app.request(url, { method: 'PUT', headers: asAdmin, body: jsonBody(body) });

    const first = await put({ accelerometer_on_duration_seconds: 30, gps: false });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      version: 1,
      createdBy: 'ann',
      settings: { accelerometer_on_duration_seconds: 30, gps: false, accelerometer_off_duration_seconds: 10 },
    });
    clock.advance(1000);
    expect(await (await put({ gps: true })).json()).toMatchObject({
      version: 2,
      settings: { accelerometer_on_duration_seconds: 30, gps: true },
    });
    // The same values again change nothing: no version, no audit row.
    expect(await (await put({ gps: true })).json()).toMatchObject({ version: 2 });

    expect(await currentDeviceSettings(db, study.id)).toMatchObject({
      gps: true,
      accelerometer_on_duration_seconds: 30,
    });
    const history = (await (await app.request(`${url}/versions`, { headers: asViewer })).json()) as {
      items: VersionJson[];
      total: number;
    };
    expect(history.total).toBe(2);
    expect(history.items.map((v) => [v.version, v.settings.gps])).toEqual([
      [2, true],
      [1, false],
    ]);
    const audits = await auditRowsFor(db, 'device_settings', study.id);
    expect(audits.map((a) => a.action)).toEqual(['device_settings.update', 'device_settings.update']);
    expect(audits[1]).toMatchObject({
      actor: { login: 'ann', role: 'Admin' },
      target: { studyId: study.id },
      before: { version: 1, settings: { gps: false } },
      after: { version: 2, settings: { gps: true } },
    });
  });

  test('400 naming each field and rule; nothing saved', async ({ app, db }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/device-settings`, {
      method: 'PUT',
      headers: asAdmin,
      body: jsonBody({ wifi_log_frequency_seconds: 5, gps: 'yes', accelerometer_frequency: 2.5, wifi_scan: true }),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorJson;
    expect(error.fields).toEqual(
      expect.arrayContaining([
        { field: 'wifi_log_frequency_seconds', message: 'must be at least 10' },
        { field: 'gps', message: 'must be true or false' },
        { field: 'accelerometer_frequency', message: 'must be a whole number' },
        { field: 'wifi_scan', message: 'is not a known field' },
      ])
    );
    const empty = await app.request(`/api/v1/studies/${study.id}/device-settings`, {
      method: 'PUT',
      headers: asAdmin,
      body: jsonBody({}),
    });
    expect(empty.status).toBe(400);
    expect(await db('device_settings_versions').where({ study_id: study.id })).toHaveLength(0);
  });

  test('401 without secret, 403 for a Viewer, 409 for a deleted study: nothing saved or audited', async ({
    app,
    db,
    clock,
  }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}/device-settings`;
    const body = jsonBody({ gps: false });
    expect((await app.request(url, { method: 'PUT', headers: withoutSecret, body })).status).toBe(401);
    expect((await app.request(url, { method: 'PUT', headers: asViewer, body })).status).toBe(403);
    await db('studies').where({ id: study.id }).update({ deleted_at: clock() });
    expect((await app.request(url, { method: 'PUT', headers: asAdmin, body })).status).toBe(409);
    expect(await db('device_settings_versions').where({ study_id: study.id })).toHaveLength(0);
    expect(await auditRowsFor(db, 'device_settings', study.id)).toHaveLength(0);
  });
});
