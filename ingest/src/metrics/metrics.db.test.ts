import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { createApp } from '../app.ts';
import { asAdmin, asViewer, createTestClock, jsonBody, testVault } from '../test/fixtures.ts';
import { enrolledPhone } from '../test/enrolled-phone.ts';
import { googleHealthData } from '../test/provider-simulators/google-health-data.ts';
import { startWearablesHarness, type WearablesHarness } from '../test/provider-simulators/harness.ts';
import { createTestIngest } from '../test/test-ingest.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { runDuePullJobs } from '../wearables/jobs.ts';
import { pullDeps } from '../wearables/testing.ts';
import { watchQueue, type Metrics } from './metrics.ts';
import { metricsApp } from './routes.ts';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Prometheus text format, read by its grammar (one sample a line), not by prom-client. */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l): [string, string] => [l[1]!, l[2]!])
      );
      return { name: m[1]!, labels: labels as Record<string, string>, value: Number(m[3]) };
    });
}

async function scrape(metrics: Metrics): Promise<Sample[]> {
  const res = await metricsApp(metrics).request('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

const total = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);

describe('metrics after uploads', () => {
  let ingest: Awaited<ReturnType<typeof createTestIngest>>;
  beforeAll(async () => {
    ingest = await createTestIngest('vigil_metrics');
    watchQueue(ingest.deps.metrics, ingest.db, () => new Date());
  });
  afterAll(() => ingest.close());

  it('count requests by route pattern, upload bytes and acknowledgements, queue depth, and rows loaded per stream', async () => {
    const { app, deps } = ingest;
    const { phone, participant: enrolled } = await enrolledPhone(app, { label: 'm-1', phone: { seed: 'metrics' } });
    await phone.register();
    const before = await scrape(deps.metrics);
    expect(total(before, 'vigil_rows_loaded_total')).toBe(0);

    const files = phone.generateFiles({
      from: new Date(Date.now() - 3 * 3_600_000),
      hours: 1,
      streams: ['accelerometer', 'gps'],
    });
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect((await phone.upload(f.fileName, f.bytes)).status).toBe(200);
    const queued = await scrape(deps.metrics);
    // Registration queued the phone's identifiers record too.
    const waiting = total(before, 'vigil_queue_jobs', { state: 'queued' }) + files.length;
    expect(total(queued, 'vigil_queue_jobs', { state: 'queued' })).toBe(waiting);
    expect(total(queued, 'vigil_queue_oldest_job_age_seconds')).toBeGreaterThanOrEqual(0);

    await ingest.drain();
    // Read a participant's uploads by id: the series must name the route, not the id.
    expect((await app.request(`/api/v1/participants/${enrolled.id}/uploads`, { headers: asViewer })).status).toBe(200);
    expect((await app.request(`/api/v1/participants/${enrolled.id}/uploads`)).status).toBe(401);
    expect((await app.request(`/no/such/${enrolled.beiwe.patientId}`)).status).toBe(404);

    const after = await scrape(deps.metrics);
    expect(total(after, 'vigil_http_requests_total', { route: '/upload', status: '200', method: 'POST' })).toBe(
      files.length
    );
    expect(total(after, 'vigil_upload_ack_seconds_count', { status: '200' })).toBe(files.length);
    expect(total(after, 'vigil_upload_bytes_count')).toBe(files.length);
    expect(total(after, 'vigil_upload_bytes_sum')).toBeGreaterThan(files.reduce((a, f) => a + f.bytes.length, 0));
    expect(
      total(after, 'vigil_http_requests_total', { route: '/api/v1/participants/:id/uploads', status: '200' })
    ).toBe(1);
    expect(
      total(after, 'vigil_http_requests_total', { route: '/api/v1/participants/:id/uploads', status: '401' }) +
        total(after, 'vigil_http_requests_total', { route: '/api/v1/*', status: '401' })
    ).toBe(1);
    expect(total(after, 'vigil_rows_loaded_total', { stream: 'accelerometer' })).toBeGreaterThan(0);
    expect(total(after, 'vigil_rows_loaded_total', { stream: 'gps' })).toBeGreaterThan(0);
    expect(total(after, 'vigil_uploads_processed_total', { result: 'processed' })).toBe(waiting);
    expect(total(after, 'vigil_queue_jobs', { state: 'queued' })).toBe(0);
    expect(total(after, 'vigil_http_request_duration_seconds_count', { route: '/upload' })).toBe(files.length);

    // Bounded labels: no id, patient id or raw path in any label value.
    const values = after.flatMap((s) => Object.values(s.labels));
    for (const v of values) {
      expect(v).not.toContain(enrolled.beiwe.patientId);
      expect(v).not.toMatch(new RegExp(`/${enrolled.id}(/|$)`));
      expect(v).not.toContain('/no/such');
    }
  });
});

describe('metrics after a wearable pull', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let wearables: WearablesHarness;
  const clock = createTestClock(new Date('2026-11-21T09:00:00Z'));
  beforeAll(async () => {
    own = await createOwnDatabase();
    wearables = await startWearablesHarness({
      db: own.db,
      clock,
      vault: testVault(),
      archiveStore: createLocalArchiveStore('/tmp/vigil-metrics-archive'),
      sims: { fitbit: { extend: googleHealthData().extend } },
    });
  });
  afterAll(async () => {
    await wearables.close();
    await own.drop();
  });

  it('count vendor calls by outcome, finished pulls and rows by vendor', async () => {
    const { connectionId } = await wearables.connected('fitbit');
    const app = createApp(wearables.deps);
    const res = await app.request(`/api/v1/connections/${connectionId}/pulls`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ from: '2026-11-18T00:00:00Z', to: '2026-11-21T00:00:00Z' }),
    });
    expect(res.status).toBe(202);
    const { metrics } = wearables.deps;
    const before = await scrape(metrics);
    expect(total(before, 'vigil_wearable_calls_total')).toBe(0);
    const opts = { worker: 'metrics-test', leaseMs: 60_000, rereadMs: 3 * 86_400_000, backfillDays: 30 };
    expect(await runDuePullJobs({ ...pullDeps(wearables, clock), metrics }, opts)).toBe(1);

    const after = await scrape(metrics);
    expect(total(after, 'vigil_wearable_calls_total', { vendor: 'fitbit', outcome: '2xx' })).toBeGreaterThan(0);
    expect(total(after, 'vigil_wearable_pulls_total', { vendor: 'fitbit', outcome: 'done' })).toBe(1);
    expect(total(after, 'vigil_wearable_rows_total', { vendor: 'fitbit' })).toBeGreaterThan(0);
  });
});
