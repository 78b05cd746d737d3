import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { loadConfig } from '../config.ts';
import { insertConnection } from '../connections/store.ts';
import { auditRowsFor, insertParticipant, insertStudy } from '../test/factories.ts';
import {
  asAdmin,
  asViewer,
  createTestClock,
  grafanaHeaders,
  jsonBody,
  test,
  testDeps,
  testVault,
  withoutSecret,
} from '../test/fixtures.ts';
import { startSmtpSink, type SmtpSink } from '../test/smtp-sink.ts';
import { createOwnDatabase } from '../test/test-db.ts';

type ErrorJson = { error: { code: string; message: string; fields?: { field: string; message: string }[] } };
type SettingsJson = {
  studyId: number;
  recipients: string[];
  staleDeviceDays: number | null;
  effectiveStaleDeviceDays: number;
  reminderDays: number;
  mailEnabled: boolean;
};

const path = (studyId: number | string) => `/api/v1/studies/${studyId}/sync-alerts`;
const put = (body: unknown, headers: Record<string, string> = asAdmin) => ({
  method: 'PUT',
  headers,
  body: jsonBody(body),
});

describe('GET/PUT /api/v1/studies/:id/sync-alerts', () => {
  test('a study never configured has no recipients and the server defaults', async ({ app, db, deps }) => {
    const study = await insertStudy(db);
    const res = await app.request(path(study.id), { headers: asViewer });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      studyId: study.id,
      recipients: [],
      staleDeviceDays: null,
      effectiveStaleDeviceDays: 3,
      reminderDays: 7,
      mailEnabled: deps.config.mail.smtpUrl !== undefined,
    });
  });

  test('an Admin sets recipients (trimmed, de-duplicated ignoring case) and stale days, audited with before and after', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const res = await app.request(
      path(study.id),
      put({ recipients: [' Nurse@Example.org', 'lead@example.org', 'nurse@example.ORG'], staleDeviceDays: 5 })
    );
    expect(res.status).toBe(200);
    const expected = { recipients: ['Nurse@Example.org', 'lead@example.org'], staleDeviceDays: 5 };
    expect(await res.json()).toMatchObject({ studyId: study.id, ...expected, effectiveStaleDeviceDays: 5 });
    expect(await (await app.request(path(study.id), { headers: asViewer })).json()).toMatchObject(expected);

    const back = await app.request(path(study.id), put({ recipients: [], staleDeviceDays: null }));
    expect(((await back.json()) as SettingsJson).effectiveStaleDeviceDays).toBe(3);

    const audit = (await auditRowsFor(db, 'study', study.id)).filter((a) => a.action === 'study.sync-alerts.update');
    expect(audit.map((a) => [a.actor.login, a.before, a.after])).toEqual([
      ['ann', { recipients: [], staleDeviceDays: null }, expected],
      ['ann', expected, { recipients: [], staleDeviceDays: null }],
    ]);
  });

  test('400 names the bad field: a bad address, days out of range or not whole, too many, unknown or missing fields', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const fieldsOf = async (body: unknown) => {
      const res = await app.request(path(study.id), put(body));
      expect(res.status).toBe(400);
      return ((await res.json()) as ErrorJson).error.fields?.map((f) => f.field);
    };
    expect(await fieldsOf({ recipients: ['ok@example.org', 'not an address'], staleDeviceDays: 3 })).toEqual([
      'recipients.1',
    ]);
    expect(await fieldsOf({ recipients: [], staleDeviceDays: 0 })).toEqual(['staleDeviceDays']);
    expect(await fieldsOf({ recipients: [], staleDeviceDays: 366 })).toEqual(['staleDeviceDays']);
    expect(await fieldsOf({ recipients: [], staleDeviceDays: 2.5 })).toEqual(['staleDeviceDays']);
    const many = Array.from({ length: 51 }, (_, i) => `staff${i}@example.org`);
    expect(await fieldsOf({ recipients: many, staleDeviceDays: null })).toEqual(['recipients']);
    expect(await fieldsOf({ recipients: [], staleDeviceDays: null, colour: 'red' })).toEqual(['colour']);
    expect(await fieldsOf({ recipients: ['a@example.org'] })).toEqual(['staleDeviceDays']);
    // Fifty-one spellings of fifty addresses are fifty.
    const fifty = await app.request(
      path(study.id),
      put({ recipients: [...many.slice(0, 50), 'STAFF0@example.org'], staleDeviceDays: null })
    );
    expect(fifty.status).toBe(200);
    expect(((await fifty.json()) as SettingsJson).recipients).toHaveLength(50);
    expect(
      (await auditRowsFor(db, 'study', study.id)).filter((a) => a.action === 'study.sync-alerts.update')
    ).toHaveLength(1);
  });

  test('404 for an unknown or deleted study', async ({ app, db }) => {
    const body = { recipients: ['a@example.org'], staleDeviceDays: null };
    expect((await app.request(path(4_000_000_000), put(body))).status).toBe(404);
    expect((await app.request(path(4_000_000_000), { headers: asViewer })).status).toBe(404);
    expect((await app.request(path('abc'), { headers: asViewer })).status).toBe(400);
    const study = await insertStudy(db);
    await db('studies').where({ id: study.id }).update({ deleted_at: new Date() });
    const res = await app.request(path(study.id), put(body));
    expect(res.status).toBe(404);
    expect(await db('study_sync_alerts').where({ study_id: study.id })).toEqual([]);
  });

  test('401 without the shared secret, 403 for a Viewer or Editor changing it; nothing is written', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const body = { recipients: ['a@example.org'], staleDeviceDays: 4 };
    expect((await app.request(path(study.id), { headers: withoutSecret })).status).toBe(401);
    expect((await app.request(path(study.id), put(body, withoutSecret))).status).toBe(401);
    expect((await app.request(path(study.id), put(body, asViewer))).status).toBe(403);
    expect((await app.request(path(study.id), put(body, grafanaHeaders('Editor')))).status).toBe(403);
    expect((await app.request(path(study.id), { headers: grafanaHeaders('None') })).status).toBe(403);
    expect(await db('study_sync_alerts').where({ study_id: study.id })).toEqual([]);
  });
});

describe('POST /api/v1/sync-check and GET /api/v1/studies/:id/sync-digests', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let sink: SmtpSink;
  let archiveDir: string;
  let app: ReturnType<typeof createApp>;
  const clock = createTestClock(new Date('2026-11-21T07:00:00.000Z'));

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_sync_api');
    sink = await startSmtpSink();
    archiveDir = await mkdtemp(join(tmpdir(), 'vigil-sync-'));
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      VIGIL_DB_NAME: own.config.database,
      VIGIL_SMTP_URL: sink.url,
    });
    app = createApp(
      testDeps({ db: own.db, clock, vault: testVault(), archiveStore: createLocalArchiveStore(archiveDir), config })
    );
  });
  afterAll(async () => {
    await sink.close();
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  });

  it('runs the check on demand and lists the digests it sent, newest first, with paging', async () => {
    const study = await insertStudy(own.db, {}, clock());
    const set = await app.request(path(study.id), put({ recipients: ['ward@example.org'], staleDeviceDays: 2 }));
    expect(((await set.json()) as SettingsJson).mailEnabled).toBe(true);
    const p = await insertParticipant(own.db, study.id, { label: 'API-1' }, clock());
    const connectedAt = new Date(clock().getTime() - 2 * 86_400_000);
    await insertConnection(
      own.db,
      {
        participant_id: p.id,
        provider: 'fitbit',
        api: 'google-health',
        status: 'needs_reauth',
        status_reason: 'scope_missing',
        scopes_requested: '',
        connected_at: connectedAt,
      },
      connectedAt
    );

    const run = await app.request('/api/v1/sync-check', { method: 'POST', headers: asAdmin });
    expect(run.status).toBe(200);
    expect(await run.json()).toEqual({
      studiesChecked: 1,
      episodesOpened: 1,
      episodesResolved: 0,
      episodesOpen: 1,
      digestsSent: 1,
      digestsFailed: 0,
      episodesUnsent: 0,
      mailEnabled: true,
    });
    expect(sink.received.map((m) => m.to)).toEqual([['ward@example.org']]);
    const [audit] = (await own
      .db('audit_log')
      .where({ action: 'sync-check.run', request_id: run.headers.get('x-request-id') })
      .select('actor_login', 'actor_role', 'target_type', 'after')) as Record<string, unknown>[];
    expect(audit).toMatchObject({ actor_login: 'ann', actor_role: 'Admin', target_type: 'sync-check' });
    const after = audit!.after;
    expect(typeof after === 'string' ? (JSON.parse(after) as unknown) : after).toMatchObject({
      studiesChecked: 1,
      digestsSent: 1,
    });

    // A second digest a reminder interval later, to see the order and the paging.
    clock.advance(7 * 86_400_000);
    await app.request('/api/v1/sync-check', { method: 'POST', headers: asAdmin });
    const res = await app.request(`/api/v1/studies/${study.id}/sync-digests?limit=1`, { headers: asViewer });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      items: [
        {
          id: expect.any(Number) as number,
          sentAt: clock().toISOString(),
          recipients: ['ward@example.org'],
          error: null,
          episodes: [
            {
              kind: 'needs_consent',
              participantId: p.id,
              participantLabel: 'API-1',
              provider: 'fitbit',
              device: null,
              daysSinceSync: null,
              action:
                'send a new Fitbit connect link (not every permission was granted: ask the patient to tick every box)',
            },
          ],
        },
      ],
      total: 2,
      limit: 1,
      offset: 0,
    });
    const older = (await (
      await app.request(`/api/v1/studies/${study.id}/sync-digests?limit=1&offset=1`, { headers: asViewer })
    ).json()) as { items: { sentAt: string }[] };
    expect(older.items.map((d) => d.sentAt)).toEqual(['2026-11-21T07:00:00.000Z']);
  });

  it('400 on bad paging or id, 404 for an unknown study', async () => {
    expect((await app.request('/api/v1/studies/1/sync-digests?limit=0', { headers: asViewer })).status).toBe(400);
    expect((await app.request('/api/v1/studies/1/sync-digests?offset=-1', { headers: asViewer })).status).toBe(400);
    expect((await app.request('/api/v1/studies/x/sync-digests', { headers: asViewer })).status).toBe(400);
    expect((await app.request('/api/v1/studies/4000000000/sync-digests', { headers: asViewer })).status).toBe(404);
  });

  it('401 without the shared secret; running the check needs an Admin', async () => {
    expect((await app.request('/api/v1/studies/1/sync-digests', { headers: withoutSecret })).status).toBe(401);
    expect((await app.request('/api/v1/sync-check', { method: 'POST', headers: withoutSecret })).status).toBe(401);
    const before = sink.received.length;
    expect((await app.request('/api/v1/sync-check', { method: 'POST', headers: asViewer })).status).toBe(403);
    expect(sink.received.length).toBe(before);
  });
});
