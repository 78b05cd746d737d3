import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../db.ts';
import { ADMIN_SECRET, asAdmin, jsonBody, testConfig } from '../test/fixtures.ts';
import { dbEnv, startIngest, waitReady, type IngestProcess } from '../test/ingest-process.ts';
import { freePort } from '../test/ports.ts';
import { visit } from '../test/provider-simulators/browser.ts';
import { startGoogleHealthSimulator, type GoogleHealthSimulator } from '../test/provider-simulators/google-health.ts';
import { startWithingsSimulator, type WithingsSimulator } from '../test/provider-simulators/withings.ts';

/**
 * Two real ingest processes (`npm start`) on one database, against the simulators: a connection
 * made through one, its access token expired, twenty checks spread over both at once.
 */
describe('two ingest processes share one refresh', () => {
  const db = createDb(testConfig().db);
  const processes: IngestProcess[] = [];
  let dataDir = '';
  let fitbit: GoogleHealthSimulator;
  let withings: WithingsSimulator;
  let a: IngestProcess;
  let b: IngestProcess;

  beforeAll(async () => {
    [fitbit, withings] = await Promise.all([startGoogleHealthSimulator(), startWithingsSimulator()]);
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-two-'));
    const portA = await freePort();
    const config = testConfig().db;
    const env = {
      ...dbEnv(config, dataDir),
      VIGIL_MASTER_KEY: `k1:${randomBytes(32).toString('base64')}`,
      VIGIL_ADMIN_SECRET: ADMIN_SECRET,
      VIGIL_PUBLIC_URL: `http://127.0.0.1:${portA}`,
      VIGIL_WORKER_CONCURRENCY: '0',
      ...fitbit.env(),
      ...withings.env(),
    };
    [a, b] = await Promise.all([startIngest(env, portA), startIngest(env)]);
    processes.push(a, b);
    await Promise.all(processes.map((p) => waitReady(p)));
  }, 60_000);

  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await Promise.all([fitbit.close(), withings.close(), db.destroy()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  const connectThrough = async (ingest: IngestProcess, provider: 'fitbit' | 'withings') => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${ingest.url}/api/v1${path}`, {
        method: 'POST',
        headers: asAdmin,
        body: jsonBody(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: number; url: string };
    };
    const study = await post('/studies', { name: `two processes ${randomBytes(4).toString('hex')}` });
    const participant = await post(`/studies/${study.id}/participants`, { label: 'p1', beiwe: false });
    const link = await post(`/participants/${participant.id}/connect-links`, { provider });
    expect((await visit(link.url)).status).toBe(200);
    const row = (await db('device_connections').where({ participant_id: participant.id }).first('id')) as {
      id: number;
    };
    return row.id;
  };

  it.each(['fitbit', 'withings'] as const)(
    '%s: twenty concurrent checks over both processes cause exactly one refresh at the provider',
    async (provider) => {
      const sim = provider === 'fitbit' ? fitbit : withings;
      const id = await connectThrough(a, provider);
      const before = (await db('device_connections').where({ id }).first('token_version')) as { token_version: number };
      await db('device_connections')
        .where({ id })
        .update({ access_expires_at: new Date(Date.now() - 60_000) });
      const refreshesBefore = sim.count('token:refresh_token');

      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`${(i % 2 === 0 ? a : b).url}/api/v1/connections/${id}/check`, { method: 'POST', headers: asAdmin })
        )
      );

      expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
      const bodies = (await Promise.all(answers.map((r) => r.json()))) as { ok: boolean }[];
      expect(bodies.every((body) => body.ok)).toBe(true);
      expect(sim.count('token:refresh_token') - refreshesBefore).toBe(1);
      const after = (await db('device_connections').where({ id }).first('token_version')) as { token_version: number };
      expect(after.token_version).toBe(before.token_version + 1);
      const output = a.output() + b.output();
      for (const secret of sim.secrets()) expect(output).not.toContain(secret);
    }
  );
});
