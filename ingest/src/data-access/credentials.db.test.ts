import { describe, expect } from 'vitest';
import { asAdmin, asViewer, grafanaHeaders, test, withoutSecret } from '../test/fixtures.ts';
import { beiweForm } from '../test/beiwe-zip.ts';

/** Spec §6's status codes, each recorded as an attempt; the key admin API; the other credentialed endpoints. */
describe('data-access credentials', () => {
  test('every refusal has its documented status and is recorded', async ({ app, db }) => {
    const post = async (path: string, body: unknown, headers: Record<string, string> = asAdmin) =>
      app.request(path, { method: 'POST', headers, body: JSON.stringify(body) });
    const study = (await (await post('/api/v1/studies', { name: `Keys ${Date.now()}` })).json()) as {
      id: number;
      objectId: string;
    };
    const other = (await (await post('/api/v1/studies', { name: `Other ${Date.now()}` })).json()) as {
      id: number;
      objectId: string;
    };
    const p = (await (await post(`/api/v1/studies/${study.id}/participants`, { label: 'k1' })).json()) as {
      beiwe: { patientId: string };
    };
    const key = (await (await post('/api/v1/data-access/keys', { studyId: study.id, name: 'k' })).json()) as {
      id: number;
      accessKey: string;
      secretKey: string;
    };
    const otherKey = (await (await post('/api/v1/data-access/keys', { studyId: other.id, name: 'o' })).json()) as {
      accessKey: string;
      secretKey: string;
    };
    const good = { access_key: key.accessKey, secret_key: key.secretKey, study_id: study.objectId };
    const cases: [Record<string, string | undefined>, number][] = [
      [{ ...good, secret_key: undefined }, 400],
      [{ ...good, access_key: 'not base64!' }, 400],
      [{ ...good, secret_key: 'A'.repeat(64) }, 403],
      [{ ...good, access_key: otherKey.accessKey, secret_key: otherKey.secretKey }, 403],
      [{ ...good, study_id: 'short' }, 400],
      [{ ...good, study_id: 'x'.repeat(24) }, 404],
      [{ ...good, data_streams: '["gps","heart_rate"]' }, 404],
      [{ ...good, participant_ids: '["zzzzzzzz"]' }, 404],
      // Text no patient id can be (the column is ASCII): once a collation 500.
      [{ ...good, participant_ids: '["zzzzzzzü"]' }, 400],
      [{ ...good, participant_ids: '😀' }, 400],
      [{ ...good, time_start: '2026-11-20 10:00:00' }, 400],
      [{ ...good, time_end: '2026-02-30T10:00:00' }, 400],
    ];
    for (const [fields, status] of cases) {
      const before = Number(((await db('data_access_attempts').count({ n: '*' })) as { n: number }[])[0]!.n);
      const res = await app.request('/get-data/v1', beiweForm(fields));
      expect([JSON.stringify(fields), res.status]).toEqual([JSON.stringify(fields), status]);
      const [last] = (await db('data_access_attempts').orderBy('id', 'desc').limit(1)) as {
        status: number;
        endpoint: string;
      }[];
      const after = Number(((await db('data_access_attempts').count({ n: '*' })) as { n: number }[])[0]!.n);
      expect([after - before, last?.status, last?.endpoint]).toEqual([1, status, 'get-data']);
    }

    const studies = await app.request('/get-studies/v1', beiweForm(good));
    expect(await studies.json()).toEqual({ [study.objectId]: expect.any(String) as string });
    for (const path of ['/get-participant-ids/v1', '/get-users/v1']) {
      expect(await (await app.request(path, beiweForm(good))).json()).toEqual([p.beiwe.patientId]);
    }
    const settings = (await (await app.request('/get-study-settings/v1', beiweForm(good))).json()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(settings).sort()).toEqual(['device_settings', 'interventions', 'study_time_zone', 'surveys']);

    // Disabled, then deleted: refused with 403 like an unknown key.
    expect((await post(`/api/v1/data-access/keys/${key.id}/disable`, {})).status).toBe(200);
    expect((await app.request('/get-studies/v1', beiweForm(good))).status).toBe(403);
    expect(
      (await app.request(`/api/v1/data-access/keys/${key.id}`, { method: 'DELETE', headers: asAdmin })).status
    ).toBe(204);
    const audit = (await db('audit_log')
      .where({ target_type: 'data_access_key', target_id: String(key.id) })
      .orderBy('id')) as {
      action: string;
    }[];
    expect(audit.map((a) => a.action)).toEqual([
      'data_access_key.create',
      'data_access_key.disable',
      'data_access_key.delete',
    ]);
  });

  test('the key admin API: roles, validation, all-study keys only for server admins', async ({ app }) => {
    const post = (body: unknown, headers: Record<string, string> = asAdmin) =>
      app.request('/api/v1/data-access/keys', { method: 'POST', headers, body: JSON.stringify(body) });
    const study = (await (
      await app.request('/api/v1/studies', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ name: `A ${Date.now()}` }),
      })
    ).json()) as { id: number };
    expect((await post({ studyId: study.id, name: 'x' }, withoutSecret)).status).toBe(401);
    expect((await post({ studyId: study.id, name: 'x' }, asViewer)).status).toBe(403);
    const bad = await post({ studyId: study.id, name: '' });
    expect([
      bad.status,
      ((await bad.json()) as { error: { fields: { field: string }[] } }).error.fields[0]?.field,
    ]).toEqual([400, 'name']);
    expect((await post({ studyId: null, name: 'all' })).status).toBe(403);
    expect(
      (await post({ studyId: null, name: 'all' }, grafanaHeaders('Admin', 'root', { IsGrafanaAdmin: true }))).status
    ).toBe(201);
    expect((await post({ studyId: 4000000000, name: 'x' })).status).toBe(404);
    const list = await app.request(`/api/v1/data-access/keys?studyId=${study.id}`, { headers: asViewer });
    expect(list.status).toBe(200);
    const listed = JSON.stringify(await list.json());
    expect(listed).not.toMatch(/secret/i);
  });
});
