import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin } from '../test/fixtures.ts';
import { createTestIngest } from '../test/test-ingest.ts';
import { enrolledPhone } from '../test/enrolled-phone.ts';
import { beiweForm, unzip } from '../test/beiwe-zip.ts';

/** `/get-data/v2` (spec §6): v1's entries, each a zstd frame named `….zst`, read back by the zstd tool itself. */
const HOUR = 3_600_000;
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const unzstd = (frame: Buffer) => execFileSync('zstd', ['-d', '-c', '-q'], { input: frame, maxBuffer: 1 << 28 });

describe('POST /get-data/v2', () => {
  let ingest: Awaited<ReturnType<typeof createTestIngest>>;
  let app: Awaited<ReturnType<typeof createTestIngest>>['app'];
  const study = { id: 0, objectId: '' };
  const key = { accessKey: '', secretKey: '' };
  const other = { accessKey: '', secretKey: '' };

  const post = (path: string, body: unknown) =>
    app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) });

  beforeAll(async () => {
    ingest = await createTestIngest('vigil_get_data_v2');
    app = ingest.app;
    Object.assign(study, await (await post('/api/v1/studies', { name: 'V2' })).json());
    const otherStudy = (await (await post('/api/v1/studies', { name: 'V2 other' })).json()) as { id: number };
    const { phone } = await enrolledPhone(app, { label: 'p1', studyId: study.id, phone: { seed: 'v2' } });
    await phone.register();
    // Yesterday 14:00 UTC: which event streams a phone writes depends on the time of day.
    const from = new Date(Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR - 10 * HOUR);
    for (const f of phone.generateFiles({ from, hours: 3 })) {
      expect((await phone.upload(f.fileName, f.bytes)).status).toBe(200);
    }
    await ingest.drain();
    Object.assign(key, await (await post('/api/v1/data-access/keys', { studyId: study.id, name: 'k' })).json());
    Object.assign(other, await (await post('/api/v1/data-access/keys', { studyId: otherStudy.id, name: 'o' })).json());
  }, 120_000);
  afterAll(() => ingest.close());

  const form = (fields: Record<string, string | undefined> = {}) =>
    beiweForm({
      access_key: key.accessKey,
      secret_key: key.secretKey,
      study_id: study.objectId,
      data_streams: JSON.stringify(['accelerometer', 'gps', 'power_state', 'calls', 'identifiers']),
      ...fields,
    });
  const lastAttempt = async () =>
    (await ingest.db('data_access_attempts').orderBy('id', 'desc').first()) as { endpoint: string; status: number };

  it("serves v1's entries as zstd frames named .zst, with v1's plain registry", async () => {
    const v1 = await app.request('/get-data/v1', form());
    const v2 = await app.request('/get-data/v2', form());
    expect([v1.status, v2.status]).toEqual([200, 200]);
    expect(v2.headers.get('content-type')).toBe('application/zip');
    const plain = unzip(Buffer.from(await v1.arrayBuffer()));
    const packed = unzip(Buffer.from(await v2.arrayBuffer()));
    expect(plain.size).toBeGreaterThan(5);
    const names = [...plain.keys()].filter((n) => n !== 'registry');
    expect([...packed.keys()].sort()).toEqual([...names.map((n) => `${n}.zst`), 'registry'].sort());
    for (const name of names) {
      const frame = packed.get(`${name}.zst`)!;
      expect(frame.subarray(0, 4)).toEqual(ZSTD_MAGIC);
      expect(unzstd(frame).equals(plain.get(name)!), name).toBe(true);
    }
    expect(packed.get('registry')!.toString()).toBe(plain.get('registry')!.toString());
    expect(await lastAttempt()).toMatchObject({ endpoint: 'get-data-v2', status: 200 });

    // The registry from v2 skips every unchanged entry, as v1's does.
    const again = unzip(
      Buffer.from(
        await (await app.request('/get-data/v2', form({ registry: packed.get('registry')!.toString() }))).arrayBuffer()
      )
    );
    expect([...again.keys()]).toEqual(['registry']);
  }, 60_000);

  it('refuses bad credentials, another study’s key and bad input, recording each', async () => {
    const cases: [Record<string, string | undefined>, number, string][] = [
      [{ secret_key: undefined }, 400, 'secret_key'],
      [{ secret_key: 'A'.repeat(64) }, 403, 'unknown or disabled access key, or wrong secret'],
      [{ access_key: other.accessKey, secret_key: other.secretKey }, 403, `this key has no access to study`],
      [{ study_id: 'short' }, 400, 'study_id'],
      [{ data_streams: '["gps","nope"]' }, 404, 'unknown data streams: nope'],
      [{ participant_ids: '["zzzzzzzz"]' }, 404, 'unknown participants: zzzzzzzz'],
      [{ time_start: '2026-11-20 10:00:00' }, 400, 'time_start'],
    ];
    for (const [fields, status, message] of cases) {
      const res = await app.request('/get-data/v2', form(fields));
      const body = (await res.json()) as { error: { message: string } };
      expect([JSON.stringify(fields), res.status]).toEqual([JSON.stringify(fields), status]);
      expect(body.error.message).toContain(message);
      expect(await lastAttempt()).toMatchObject({ endpoint: 'get-data-v2', status });
    }
  });
});
