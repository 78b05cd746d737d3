import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import type { createApp } from '../app.ts';
import { beiweForm, unzip } from '../test/beiwe-zip.ts';
import { uniqueName } from '../test/factories.ts';
import { asAdmin, asViewer, test, withoutSecret } from '../test/fixtures.ts';

/** A participant's `daily_features` in the export: one CSV, `{pid}/daily_features.csv`, as README documents. */
const computedAt = new Date('2026-11-21T06:00:00Z');
const row = (
  participantId: number,
  day: string,
  feature: string,
  source: string,
  value: number | null,
  coverage: number | null
) => ({
  participant_id: participantId,
  day,
  feature,
  source,
  value,
  coverage,
  version: 1,
  computed_at: computedAt,
});

async function seed(app: ReturnType<typeof createApp>, db: Knex) {
  const post = async (path: string, body: unknown) =>
    app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) });
  const study = (await (await post('/api/v1/studies', { name: uniqueName('Feature export') })).json()) as {
    id: number;
    objectId: string;
  };
  const enrolled = (await (await post(`/api/v1/studies/${study.id}/participants`, { label: 'f1' })).json()) as {
    id: number;
    beiwe: { patientId: string };
  };
  await db('daily_features').insert([
    row(enrolled.id, '2026-11-19', 'home_time', 'phone', 20.5, 0.9),
    row(enrolled.id, '2026-11-20', 'steps', 'phone', 1080, 1),
    row(enrolled.id, '2026-11-20', 'steps', 'fitbit', 8000, 1),
    row(enrolled.id, '2026-11-20', 'num_in_call', 'phone', null, 0),
    row(enrolled.id, '2026-11-20', 'cadence', 'phone', 1.8, 1),
    row(enrolled.id, '2026-11-23', 'home_time', 'phone', 12.25, 0.6),
  ]);
  return { post, study, enrolled, pid: enrolled.beiwe.patientId };
}

const HEADER = 'day,feature,source,value,coverage,version';
/** 19–20 November, by day, feature, source; NULL as an empty cell. */
const IN_RANGE = [
  HEADER,
  '2026-11-19,home_time,phone,20.5,0.9,1',
  '2026-11-20,cadence,phone,1.8,1,1',
  '2026-11-20,num_in_call,phone,,0,1',
  '2026-11-20,steps,fitbit,8000,1,1',
  '2026-11-20,steps,phone,1080,1,1',
].join('\n');

describe('daily features in the export', () => {
  test('GET /api/v1/participants/:id/export: one CSV of the days in range, counted in the estimate', async ({
    app,
    db,
  }) => {
    const { enrolled, pid } = await seed(app, db);
    const res = await app.request(
      `/api/v1/participants/${enrolled.id}/export?streams=daily_features&from=2026-11-19T00:00:00Z&to=2026-11-20T23:59:59Z`,
      { headers: asViewer }
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vigil-estimated-rows')).toBe('5');
    const entries = unzip(Buffer.from(await res.arrayBuffer()));
    expect([...entries.keys()]).toEqual([`${pid}/daily_features.csv`]);
    expect(entries.get(`${pid}/daily_features.csv`)?.toString()).toBe(IN_RANGE);
    // Without streams named, every stream and the features.
    const all = unzip(
      Buffer.from(
        await (await app.request(`/api/v1/participants/${enrolled.id}/export`, { headers: asViewer })).arrayBuffer()
      )
    );
    expect(all.get(`${pid}/daily_features.csv`)?.toString().split('\n')).toHaveLength(7);
  });

  test('GET /api/v1/participants/:id/export refuses an unknown stream and callers without the secret', async ({
    app,
    db,
  }) => {
    const { enrolled } = await seed(app, db);
    const bad = await app.request(`/api/v1/participants/${enrolled.id}/export?streams=daily_feature`, {
      headers: asViewer,
    });
    expect(bad.status).toBe(400);
    const anonymous = await app.request(`/api/v1/participants/${enrolled.id}/export?streams=daily_features`, {
      headers: withoutSecret,
    });
    expect(anonymous.status).toBe(401);
  });

  test('POST /get-data/v1: the CSV under its registry path, skipped when unchanged', async ({ app, db }) => {
    const { post, study, pid, enrolled } = await seed(app, db);
    const key = (await (await post('/api/v1/data-access/keys', { studyId: study.id, name: 'features' })).json()) as {
      accessKey: string;
      secretKey: string;
    };
    const request = (fields: Record<string, string | undefined>) =>
      app.request(
        '/get-data/v1',
        beiweForm({
          access_key: key.accessKey,
          secret_key: key.secretKey,
          study_id: study.objectId,
          participant_ids: JSON.stringify([pid]),
          data_streams: JSON.stringify(['daily_features']),
          time_start: '2026-11-19T00:00:00',
          time_end: '2026-11-20T23:00:00',
          ...fields,
        })
      );
    const first = unzip(Buffer.from(await (await request({})).arrayBuffer()));
    expect([...first.keys()].sort()).toEqual([`${pid}/daily_features.csv`, 'registry'].sort());
    expect(first.get(`${pid}/daily_features.csv`)?.toString()).toBe(IN_RANGE);
    const registry = first.get('registry')!.toString();
    expect(Object.keys(JSON.parse(registry) as object)).toEqual([`${study.objectId}/${pid}/daily_features.csv`]);
    const unchanged = unzip(Buffer.from(await (await request({ registry })).arrayBuffer()));
    expect([...unchanged.keys()]).toEqual(['registry']);
    await db('daily_features').where({ participant_id: enrolled.id, feature: 'cadence' }).update({ value: 1.85 });
    const changed = unzip(Buffer.from(await (await request({ registry })).arrayBuffer()));
    expect(changed.get(`${pid}/daily_features.csv`)?.toString()).toContain('2026-11-20,cadence,phone,1.85,1,1');
  });
});
