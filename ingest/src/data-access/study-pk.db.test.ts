import { describe, expect } from 'vitest';
import { asAdmin, test } from '../test/fixtures.ts';
import { beiweForm, unzip } from '../test/beiwe-zip.ts';

/**
 * `download_data.py` sends `study_pk` instead of `study_id` when the id parses as an integer
 * (beiwe-backend `get_and_validate_study_id`): every endpoint that takes `study_id` takes it too.
 */
describe('study_pk on the data-access API', () => {
  test('names the study by its integer id, with the refusals study_id has', async ({ app, db }) => {
    const post = async (path: string, body: unknown) =>
      (await app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) })).json();
    const study = (await post('/api/v1/studies', { name: `Pk ${Date.now()}` })) as { id: number; objectId: string };
    const other = (await post('/api/v1/studies', { name: `Pk other ${Date.now()}` })) as { id: number };
    const p = (await post(`/api/v1/studies/${study.id}/participants`, { label: 'pk1' })) as {
      beiwe: { patientId: string };
    };
    const key = (await post('/api/v1/data-access/keys', { studyId: study.id, name: 'pk' })) as {
      accessKey: string;
      secretKey: string;
    };
    const otherKey = (await post('/api/v1/data-access/keys', { studyId: other.id, name: 'pk-o' })) as {
      accessKey: string;
      secretKey: string;
    };
    const good = { access_key: key.accessKey, secret_key: key.secretKey, study_pk: String(study.id) };

    const ids = await app.request('/get-participant-ids/v1', beiweForm(good));
    expect([ids.status, await ids.json()]).toEqual([200, [p.beiwe.patientId]]);
    // Python's int() takes surrounding spaces and a sign; so does Vigil.
    const spaced = await app.request('/get-users/v1', beiweForm({ ...good, study_pk: ` +${study.id} ` }));
    expect([spaced.status, await spaced.json()]).toEqual([200, [p.beiwe.patientId]]);
    const settings = await app.request('/get-study-settings/v1', beiweForm(good));
    expect(settings.status).toBe(200);
    expect(Object.keys((await settings.json()) as object).sort()).toEqual([
      'device_settings',
      'interventions',
      'study_time_zone',
      'surveys',
    ]);
    const data = await app.request('/get-data/v1', beiweForm(good));
    expect(data.status).toBe(200);
    const byObjectId = await app.request(
      '/get-data/v1',
      beiweForm({ ...good, study_pk: undefined, study_id: study.objectId })
    );
    const names = async (r: Response) => [...unzip(Buffer.from(await r.arrayBuffer())).keys()];
    expect(await names(data)).toEqual(await names(byObjectId));
    // study_id wins when both are given, as in Beiwe.
    const both = await app.request(
      '/get-participant-ids/v1',
      beiweForm({ ...good, study_pk: String(other.id), study_id: study.objectId })
    );
    expect(await both.json()).toEqual([p.beiwe.patientId]);

    const refusals: [Record<string, string | undefined>, number, RegExp][] = [
      [{ ...good, study_pk: 'abc' }, 400, /study_pk/],
      [{ ...good, study_pk: '1.5' }, 400, /study_pk/],
      [{ ...good, study_pk: '' }, 400, /study_pk/],
      [{ ...good, study_pk: '4000000000' }, 404, /study 4000000000 does not exist/],
      [{ ...good, study_pk: '0' }, 404, /does not exist/],
      [{ ...good, study_pk: String(other.id) }, 403, new RegExp(`no access to study ${other.id}`)],
      [{ ...good, access_key: otherKey.accessKey, secret_key: otherKey.secretKey }, 403, /no access/],
      [{ ...good, secret_key: 'A'.repeat(64) }, 403, /wrong secret/],
      [{ ...good, study_pk: undefined }, 400, /study_id/],
    ];
    for (const [fields, status, message] of refusals) {
      const res = await app.request('/get-data/v1', beiweForm(fields));
      const text = await res.text();
      expect([JSON.stringify(fields), res.status]).toEqual([JSON.stringify(fields), status]);
      expect(text).toMatch(message);
      const [last] = (await db('data_access_attempts').orderBy('id', 'desc').limit(1)) as { status: number }[];
      expect(last?.status).toBe(status);
    }
    const recorded = (await db('data_access_attempts').where({ status: 200, endpoint: 'get-data' })) as {
      query: unknown;
    }[];
    expect(
      recorded.map((r) => JSON.stringify(r.query)).filter((q) => q.includes(`"study_pk":"${study.id}"`))
    ).toHaveLength(1);
  });
});
