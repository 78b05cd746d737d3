import { afterEach, describe, expect, it } from 'vitest';
import { formatSummary, percentile, runSimulation } from './simulate.ts';
import type { RecordedRequest, Reply } from './test-server.ts';
import { registrationReply, startRecordingServer } from './test-server.ts';

const servers: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Vigil's admin enrolment contract plus Beiwe endpoints that accept everything. */
function vigil(issuedServerUrl: (n: number) => string) {
  let enrolled = 0;
  return (request: RecordedRequest): Reply => {
    if (request.path.startsWith('/api/v1/')) {
      enrolled++;
      const beiwe = {
        patientId: `emu${String(enrolled).padStart(5, '0')}`,
        temporaryPassword: `temp${enrolled}`,
        serverUrl: issuedServerUrl(enrolled),
      };
      return {
        status: 201,
        contentType: 'application/json',
        body: JSON.stringify({ id: enrolled, label: 'x', beiwe }),
      };
    }
    if (request.path.includes('register_user')) return registrationReply();
    if (request.path.includes('download_surveys')) return { status: 200, body: '[]', contentType: 'application/json' };
    if (request.path.includes('set_fcm_token')) return { status: 204 };
    return { status: 200, body: request.path.includes('upload') ? 'upload successful.' : '' };
  };
}

describe('runSimulation', () => {
  it('enrols through the admin API, then runs each phone through the whole app flow', async () => {
    const server = await startRecordingServer(vigil(() => 'https://vigil.example.org'));
    servers.push(server);
    const lines: string[] = [];
    const summary = await runSimulation({
      server: server.url,
      phones: 2,
      hours: 0.5,
      os: 'mixed',
      concurrency: 2,
      seed: 'sim',
      from: Date.UTC(2026, 0, 5, 9),
      admin: { secret: 's3cret', studyId: '42' },
      log: (line) => lines.push(line),
    });

    const enrolments = server.requests.filter((r) => r.path.startsWith('/api/'));
    expect(enrolments).toHaveLength(2);
    for (const request of enrolments) {
      expect(request.path).toBe('/api/v1/studies/42/participants');
      expect(request.headers['x-vigil-secret']).toBe('s3cret');
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(String(request.headers['x-grafana-context']))).toEqual({
        Login: 'phone-emulator',
        OrgRole: 'Admin',
        IsGrafanaAdmin: false,
      });
      expect((JSON.parse(request.body.toString()) as { label: string }).label).toMatch(/^emulated-[0-9a-z]+-[12]$/);
    }
    // The issued URL is on another host, so the phones stay on --server.
    expect(lines.filter((l) => l.includes('phones use'))).toHaveLength(1);

    const paths = server.requests.map((r) => r.path);
    expect(paths).toContain('/register_user');
    expect(paths).toContain('/register_user/ios/');
    const uploads = paths.filter((p) => p === '/upload' || p === '/upload/ios/');
    expect(summary.registered).toBe(2);
    expect(summary.files).toBe(uploads.length);
    expect(summary.requests.upload).toBe(uploads.length);
    expect(summary.bytes).toBeGreaterThan(0);
    expect(summary.statuses).toEqual({ '200': server.requests.length - 2 - 2, '204': 2 });
    expect(summary.requests['mobile-heartbeat']).toBe(2);
    expect(summary.failures).toEqual([]);
    expect(formatSummary(summary)).toContain('phones: 2/2 registered');
  });

  it('uses given credentials and reports a phone whose registration fails', async () => {
    const server = await startRecordingServer((r) =>
      r.body.toString().includes('patient_id=bad') ? { status: 403 } : vigil(() => '')(r)
    );
    servers.push(server);
    const summary = await runSimulation({
      server: server.url,
      phones: 2,
      hours: 0.25,
      os: 'android',
      concurrency: 1,
      seed: 'sim',
      from: Date.UTC(2026, 0, 5, 9),
      credentials: [
        { patientId: 'good1234', temporaryPassword: 'a' },
        { patientId: 'bad12345', temporaryPassword: 'b' },
      ],
    });
    expect(summary.registered).toBe(1);
    expect(summary.statuses['403']).toBe(1);
    expect(summary.failures).toEqual([expect.stringContaining('phone 2 (android bad12345): registration failed')]);
    expect(server.requests.some((r) => r.path.startsWith('/api/'))).toBe(false);
  });
});

describe('percentile', () => {
  it('picks the nearest-rank value', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });
});
