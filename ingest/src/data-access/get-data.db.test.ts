import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, asViewer } from '../test/fixtures.ts';
import { createTestIngest } from '../test/test-ingest.ts';
import { enrolledPhone } from '../test/enrolled-phone.ts';
import type { GeneratedFile } from '../test/phone-emulator/phone.ts';
import { beiweForm, unzip } from '../test/beiwe-zip.ts';

/**
 * The ZIP for data that went through the real path (emulated phone → upload → worker → tables),
 * against an oracle built from the phone's own rows with spec §5.2's rules.
 */
const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 20, 9);
const binName = (ms: number) =>
  `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ').replaceAll(':', '_')}+00_00`;

/** The CSV exactly, reported line by line and cell by cell so a failure names its cell. */
function expectSameCsv(actual: string | undefined, expected: string, name: string) {
  if (actual === expected) return;
  const [a, b] = [(actual ?? '').split('\n'), expected.split('\n')];
  expect(a.length, `${name}: lines`).toBe(b.length);
  a.forEach((line, i) => expect(line, `${name} line ${i}`).toBe(b[i]));
}

type Oracle = { header: string; row: (cells: string[]) => { ms: number; rest: string; key: string } };
const ORACLES: Record<string, Oracle> = {
  gps: {
    header: 'latitude,longitude,altitude,accuracy',
    row: ([t, lat, lon, alt, acc]) => ({
      ms: Number(t),
      rest: `${lat},${lon},${alt},${acc}`,
      key: t!,
    }),
  },
  accelerometer: {
    header: 'accuracy,x,y,z',
    row: ([t, acc, x, y, z]) => ({ ms: Number(t), rest: `${acc},${x},${y},${z}`, key: t! }),
  },
  power_state: {
    header: 'event',
    row: ([t, ...event]) => ({ ms: Number(t), rest: event.join(',').trim(), key: `${t}|${event.join(',').trim()}` }),
  },
  calls: {
    header: 'hashed phone number,call type,duration in seconds',
    row: ([hash, type, t, duration]) => ({ ms: Number(t), rest: `${hash},${type},${duration}`, key: `${t}|${hash}` }),
  },
};

/** Entry name → CSV, per spec: rows keyed once (first upload wins), binned by hour, sorted by time. */
function expectedEntries(pid: string, files: GeneratedFile[]): Map<string, string> {
  const bins = new Map<string, { ms: number; line: string }[]>();
  const seen = new Set<string>();
  for (const f of files) {
    const oracle = ORACLES[f.stream];
    if (!oracle) continue;
    for (const raw of f.rows) {
      const { ms, rest, key } = oracle.row(raw.split(',').map((c) => c.trim()));
      if (seen.has(`${f.stream}|${key}`)) continue;
      seen.add(`${f.stream}|${key}`);
      const name = `${pid}/${f.stream}/${binName(Math.floor(ms / HOUR) * HOUR)}.csv`;
      const list = bins.get(name) ?? [];
      list.push({ ms, line: `${ms},${new Date(ms).toISOString().slice(0, 23)},${rest}` });
      bins.set(name, list);
    }
  }
  const out = new Map<string, string>();
  for (const [name, rows] of bins) {
    const stream = name.split('/')[1]!;
    rows.sort((a, b) => a.ms - b.ms);
    out.set(name, `timestamp,UTC time,${ORACLES[stream]!.header}\n${rows.map((r) => r.line).join('\n')}`);
  }
  return out;
}

describe('POST /get-data/v1', () => {
  let ingest: Awaited<ReturnType<typeof createTestIngest>>;
  let app: Awaited<ReturnType<typeof createTestIngest>>['app'];
  const drain = () => ingest.drain();

  beforeAll(async () => {
    ingest = await createTestIngest('vigil_export');
    app = ingest.app;
  });
  afterAll(() => ingest.close());

  it('streams exactly the expected hourly CSVs, and a registry that skips unchanged hours', async () => {
    const post = async (path: string, body: unknown, headers = asAdmin) =>
      app.request(path, { method: 'POST', headers, body: JSON.stringify(body) });
    const study = (await (await post('/api/v1/studies', { name: 'Export' })).json()) as {
      id: number;
      objectId: string;
    };
    const { phone, participant: enrolled } = await enrolledPhone(app, {
      label: 'p1',
      studyId: study.id,
      phone: { seed: 'export' },
    });
    const pid = enrolled.beiwe.patientId;
    await phone.register();
    const files = phone.generateFiles({ from: new Date(START), hours: 2 });
    for (const f of files) expect((await phone.upload(f.fileName, f.bytes)).status).toBe(200);
    await drain();

    const created = await post('/api/v1/data-access/keys', { studyId: study.id, name: 'analysis' });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { accessKey: string; secretKey: string };
    expect(key.accessKey).toMatch(/^[A-Za-z0-9+/]{64}$/);
    expect(key.secretKey).toMatch(/^[A-Za-z0-9+/]{64}$/);

    const streams = Object.keys(ORACLES);
    const request = (registry?: string) =>
      app.request(
        '/get-data/v1',
        beiweForm({
          access_key: key.accessKey,
          secret_key: key.secretKey,
          study_id: study.objectId,
          data_streams: JSON.stringify(streams),
          participant_ids: JSON.stringify([pid]),
          time_start: '2026-11-20T00:00:00',
          time_end: '2026-11-21T00:00:00',
          registry,
        })
      );
    const res = await request();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const entries = unzip(Buffer.from(await res.arrayBuffer()));
    const expected = expectedEntries(pid, files);
    expect(expected.size).toBeGreaterThanOrEqual(streams.length);
    expect([...entries.keys()].sort()).toEqual([...expected.keys(), 'registry'].sort());
    for (const [name, csv] of expected) expectSameCsv(entries.get(name)?.toString(), csv, name);

    const registry = JSON.parse(entries.get('registry')!.toString()) as Record<string, string>;
    expect(Object.keys(registry)).toHaveLength(expected.size);
    const gpsHour = `CHUNKED_DATA/${study.objectId}/${pid}/gps/2026-11-20T09:00:00.csv`;
    expect(registry[gpsHour]).toMatch(/^[A-Za-z0-9+/]+=*$/);

    // A new hour of data, and one more row in an hour already downloaded: only those two come back.
    for (const f of phone
      .generateFiles({ from: new Date(START + 2 * HOUR), hours: 1 })
      .filter((f) => f.stream === 'gps')) {
      expect((await phone.upload(f.fileName, f.bytes)).status).toBe(200);
    }
    await drain();
    await ingest
      .db('power_state')
      .insert({ participant_id: enrolled.id, t: new Date(START + 1234), os: 1, event: 'Screen turned on' });
    const again = unzip(Buffer.from(await (await request(JSON.stringify(registry))).arrayBuffer()));
    expect([...again.keys()].sort()).toEqual(
      [`${pid}/gps/${binName(START + 2 * HOUR)}.csv`, `${pid}/power_state/${binName(START)}.csv`, 'registry'].sort()
    );
    expect(again.get(`${pid}/power_state/${binName(START)}.csv`)?.toString()).toContain(
      `${START + 1234},2026-11-20T09:00:01.234,Screen turned on`
    );

    // The plugin's export: the same CSVs, deflated, no registry, for a Viewer.
    const admin = await app.request(
      `/api/v1/participants/${enrolled.id}/export?streams=gps,calls&from=2026-11-20T00:00:00Z&to=2026-11-20T10:59:59Z`,
      { headers: asViewer }
    );
    expect(admin.status).toBe(200);
    const adminEntries = unzip(Buffer.from(await admin.arrayBuffer()));
    const wanted = [...expected.keys()].filter((n) => /\/(gps|calls)\//.test(n));
    expect([...adminEntries.keys()].sort()).toEqual(wanted.sort());
    for (const n of wanted) expectSameCsv(adminEntries.get(n)?.toString(), expected.get(n)!, n);
    // Whole days: the estimate from data_quantity counts exactly the rows the processor stored.
    const whole = await app.request(`/api/v1/participants/${enrolled.id}/export?streams=gps,calls`, {
      headers: asViewer,
    });
    const wholeZip = Buffer.from(await whole.arrayBuffer());
    const wholeRows = [...unzip(wholeZip).values()].reduce((n, csv) => n + csv.toString().split('\n').length - 1, 0);
    expect(Number(whole.headers.get('x-vigil-estimated-rows'))).toBe(wholeRows);
    const estimatedBytes = Number(whole.headers.get('x-vigil-estimated-bytes'));
    expect(estimatedBytes / wholeZip.length).toBeGreaterThan(0.5);
    expect(estimatedBytes / wholeZip.length).toBeLessThan(2);
    expect((await app.request(`/api/v1/participants/${enrolled.id}/export`)).status).toBe(401);
    expect(
      (await app.request(`/api/v1/participants/${enrolled.id}/export?streams=nope`, { headers: asViewer })).status
    ).toBe(400);

    const attempts = (await ingest.db('data_access_attempts').orderBy('id')) as {
      endpoint: string;
      status: number;
      outcome: string;
    }[];
    expect(attempts.map((a) => [a.endpoint, a.status])).toEqual([
      ['get-data', 200],
      ['get-data', 200],
      ['admin-export', 200],
      ['admin-export', 200],
    ]);
    expect(attempts[0]!.outcome).toMatch(new RegExp(`^sent ${expected.size} entries`));
  }, 120_000);
});
