import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createDb } from './db.ts';
import { createMetrics } from './metrics/metrics.ts';
import { createLogger } from './log.ts';
import { ADMIN_SECRET, asViewer, createTestClock, test, testConfig } from './test/fixtures.ts';
import { createLocalArchiveStore } from './archive/local-store.ts';
import { createMailer } from './sync-alerts/mailer.ts';
import { createUploadArchive } from './uploads/archive.ts';
import { createVault } from './vault/vault.ts';

describe('health', () => {
  test('healthz and readyz answer when the schema is current', async ({ app }) => {
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.request('/readyz');
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  test('every response carries a request id; unknown routes are a JSON 404', async ({ app }) => {
    const res = await app.request('/nowhere');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toMatch(/.+/);
    expect(await res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('with the database unreachable', () => {
  it('answers 503 with Retry-After, and readyz says not ready', async () => {
    const config = testConfig();
    // Port 1 on loopback: nothing listens, so every query fails fast with ECONNREFUSED.
    const db = createDb({ ...config.db, port: 1 });
    const vault = createVault([{ id: 't', key: randomBytes(32) }]);
    const app = createApp({
      config,
      db,
      log: createLogger('silent'),
      vault,
      adminSecret: ADMIN_SECRET,
      clock: createTestClock(),
      archive: createUploadArchive({ db, vault, store: createLocalArchiveStore('/nonexistent-vigil-archive') }),
      mailer: createMailer(config.mail),
      metrics: createMetrics(),
    });
    try {
      const res = await app.request('/api/v1/studies', { headers: asViewer });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect((await app.request('/readyz')).status).toBe(503);
    } finally {
      await db.destroy();
    }
  });
});

describe('GET /api/v1/me and /api/v1/audit', () => {
  test('me describes the caller; audit lists changes newest first and filters', async ({ app, db }) => {
    const me = await app.request('/api/v1/me', { headers: asViewer });
    expect(await me.json()).toEqual({
      login: 'vic',
      role: 'Viewer',
      isServerAdmin: false,
      canChange: false,
      retentionDays: 30,
    });

    const name = `Audited ${randomBytes(4).toString('hex')}`;
    const created = await app.request('/api/v1/studies', {
      method: 'POST',
      headers: { ...asViewer, 'x-grafana-context': JSON.stringify({ Login: 'auditor', OrgRole: 'Admin' }) },
      body: JSON.stringify({ name }),
    });
    const { id } = (await created.json()) as { id: number };
    const res = await app.request(`/api/v1/audit?actor=auditor&studyId=${id}`, { headers: asViewer });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: { action: string; requestId: string }[]; total: number };
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ action: 'study.create' });
    expect(page.items[0]?.requestId).toBe(created.headers.get('x-request-id'));
    expect(await db('audit_log').where({ actor_login: 'auditor' }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  test('400 for a bad filter, 401 without secret', async ({ app }) => {
    expect((await app.request('/api/v1/audit?studyId=x', { headers: asViewer })).status).toBe(400);
    expect((await app.request('/api/v1/audit')).status).toBe(401);
    expect((await app.request('/api/v1/me')).status).toBe(401);
  });
});
