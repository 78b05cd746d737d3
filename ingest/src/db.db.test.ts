import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from './app.ts';
import { createLocalArchiveStore } from './archive/local-store.ts';
import { createDb } from './db.ts';
import { insertStudy } from './test/factories.ts';
import { asAdmin, asViewer, createTestClock, jsonBody, testConfig, testDeps, testVault } from './test/fixtures.ts';
import { startTcpProxy } from './test/tcp-proxy.ts';

/** The app over a real MariaDB reached through a proxy that can stall, with short timeouts. */
async function appBehindProxy(overrides: Record<string, string>) {
  const config = testConfig(overrides);
  const proxy = await startTcpProxy({ host: config.db.host, port: config.db.port });
  const db = createDb({ ...config.db, port: proxy.port });
  const dir = await mkdtemp(join(tmpdir(), 'vigil-hung-'));
  onTestFinished(async () => {
    await db.destroy();
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  });
  const deps = {
    ...testDeps({ db, clock: createTestClock(), vault: testVault(), archiveStore: createLocalArchiveStore(dir) }),
    config,
  };
  return { proxy, db, app: createApp(deps) };
}

async function timed<T>(run: () => T | Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

describe('a hung database', () => {
  it('fails requests fast with a retryable 503, /readyz says why within a second, and both recover', async () => {
    const { proxy, app } = await appBehindProxy({
      VIGIL_DB_QUERY_TIMEOUT_MS: '500',
      VIGIL_DB_CONNECT_TIMEOUT_MS: '500',
    });
    expect((await app.request('/api/v1/studies', { headers: asViewer })).status).toBe(200);

    proxy.hang();
    // On a pooled connection (the query times out), then on a new one (the handshake times out).
    for (let i = 0; i < 2; i++) {
      const [res, ms] = await timed(() => app.request('/api/v1/studies', { headers: asViewer }));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
      // 500 ms configured; without timeouts the request waits as long as the database does.
      expect(ms).toBeLessThan(5_000);
    }
    const [ready, readyMs] = await timed(() => app.request('/readyz'));
    expect(readyMs).toBeLessThan(1_000);
    expect(ready.status).toBe(503);
    // Whichever gives up first: the query on a pooled connection, the handshake of a new one, or
    // the wait for a connection while the hung requests' ones are still held.
    expect(await ready.json()).toEqual({
      status: 'not ready',
      reasons: [
        expect.stringMatching(
          /^database (did not answer within 800 ms|unreachable: (ETIMEDOUT|no pooled connection came free in time))$/
        ),
      ],
    });

    proxy.restore();
    // Within the Retry-After the 503s gave: a connection the hang left half-made may still fail the
    // first request after it ends (seen once in CI), as a client told to retry would see.
    const deadline = performance.now() + 5_000;
    let status = 0;
    while ((status = (await app.request('/api/v1/studies', { headers: asViewer })).status) !== 200) {
      expect(status).toBe(503);
      expect(performance.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await app.request('/readyz')).status).toBe(200);
  });

  it('a write whose transaction loses its connection mid-way (no rollback can be sent) is a 503 too', async () => {
    const { proxy, app } = await appBehindProxy({ VIGIL_DB_QUERY_TIMEOUT_MS: '500' });
    // A pooled connection that is then used for the transaction.
    expect((await app.request('/api/v1/studies', { headers: asViewer })).status).toBe(200);
    proxy.hang();
    const [write, ms] = await timed(() =>
      app.request('/api/v1/studies', { method: 'POST', headers: asAdmin, body: jsonBody({ name: 'During a hang' }) })
    );
    expect([write.status, write.headers.get('retry-after')]).toEqual([503, '5']);
    expect(ms).toBeLessThan(5_000);
  });

  it('a killed database: /readyz names it at once', async () => {
    const { proxy, app } = await appBehindProxy({});
    proxy.kill();
    const [ready, ms] = await timed(() => app.request('/readyz'));
    expect(ms).toBeLessThan(1_000);
    expect(ready.status).toBe(503);
    const { reasons } = (await ready.json()) as { reasons: string[] };
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^database (unreachable|did not answer)/);
  });

  it('a row lock held elsewhere fails the write with a 503 after the lock wait, not 50 s later', async () => {
    const { db, app } = await appBehindProxy({ VIGIL_DB_LOCK_WAIT_SECONDS: '1', VIGIL_DB_QUERY_TIMEOUT_MS: '20000' });
    const study = await insertStudy(db);
    const holder = createDb(testConfig().db);
    onTestFinished(() => holder.destroy());
    const trx = await holder.transaction();
    try {
      await trx('studies').where({ id: study.id }).forUpdate().first('id');
      const [res, ms] = await timed(() =>
        app.request(`/api/v1/studies/${study.id}`, {
          method: 'PATCH',
          headers: asAdmin,
          body: jsonBody({ description: 'changed while locked' }),
        })
      );
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(ms).toBeLessThan(10_000);
    } finally {
      await trx.rollback();
    }
  });
});
