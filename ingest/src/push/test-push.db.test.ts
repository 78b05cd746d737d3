import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { startFirebaseSimulator, type FirebaseSimulator, type ServiceAccountJson } from '../test/firebase-simulator.ts';
import { asAdmin, asViewer, createTestClock, testConfig, testDeps, testVault } from '../test/fixtures.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { saveCredentials } from './credential-store.ts';
import { ServiceAccount } from './google-auth.ts';
import { TEST_MESSAGE } from './test-push.ts';

const tokenOf = (n: number) => `dGVzdC1waG9uZS0${n}:APA91b${'q'.repeat(140)}`;

describe('POST /api/v1/participants/:id/push-notifications/test (the Firebase simulator)', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let sim: FirebaseSimulator;
  let archiveDir: string;
  let app: ReturnType<typeof createApp>;
  let account: ServiceAccountJson;
  const vault = testVault();
  const clock = createTestClock();

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_push_test');
    sim = await startFirebaseSimulator();
    archiveDir = await mkdtemp(join(tmpdir(), 'vigil-push-test-'));
    const config = testConfig({ VIGIL_FCM_BASE_URL: sim.url, VIGIL_GOOGLE_OAUTH_BASE_URL: sim.url });
    app = createApp({
      ...testDeps({ db: own.db, clock, vault, archiveStore: createLocalArchiveStore(archiveDir) }),
      config,
    });
  });
  afterAll(async () => {
    await sim.close();
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    account = sim.createServiceAccount('vigil-push-test');
    await saveCredentials(own.db, vault, { serviceAccount: ServiceAccount.parse(account) }, 'test', new Date());
  });

  /** A participant whose phone registered `os` with a live token. */
  async function phone(os: 'IOS' | 'ANDROID', withToken = true) {
    const study = await insertStudy(own.db);
    const participant = await insertParticipant(own.db, study.id);
    await own.db('beiwe_participants').insert({
      participant_id: participant.id,
      patient_id: `t${participant.id}`.padEnd(8, 'b').slice(0, 8),
      password_hash: 'x',
      private_key_sealed: 'x',
      public_key: 'x',
      device_id: `device-${participant.id}`,
      os_type: os,
      created_at: new Date(),
      updated_at: new Date(),
    });
    const token = tokenOf(participant.id);
    if (withToken)
      await own.db('beiwe_fcm_tokens').insert({ participant_id: participant.id, token, created_at: new Date() });
    return { id: participant.id, token };
  }
  const post = (id: number | string, headers = asAdmin) =>
    app.request(`/api/v1/participants/${id}/push-notifications/test`, { method: 'POST', headers });
  const history = async (id: number) =>
    (await (await app.request(`/api/v1/participants/${id}/push-notifications`, { headers: asViewer })).json()) as {
      items: { kind: string; state: string; error: string | null; platform: string; sentAt: string | null }[];
    };

  it('sends a visible message push to an iOS phone now, records it as kind test, audits it', async () => {
    const { id, token } = await phone('IOS');
    const before = sim.sent.length;
    const res = await post(id);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outcome: string; message: string; notification: { state: string } };
    expect(body).toMatchObject({
      outcome: 'sent',
      message: 'sent: Firebase accepted the push',
      notification: { state: 'sent', platform: 'IOS', error: null, sentAt: clock().toISOString() },
    });
    expect(sim.sent.slice(before).map((s) => s.message)).toEqual([
      {
        token,
        data: { type: 'message', message: TEST_MESSAGE },
        notification: { title: 'Beiwe', body: TEST_MESSAGE },
      },
    ]);
    expect((await history(id)).items).toMatchObject([{ kind: 'test', state: 'sent', platform: 'IOS', error: null }]);
    const audit = (await own.db('audit_log').where({ action: 'push.test', target_id: String(id) })) as {
      after: unknown;
    }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]?.after).toMatchObject({ outcome: 'sent', error: null });
  });

  it('sends Android the same message as a data-only high-priority push', async () => {
    const { id, token } = await phone('ANDROID');
    const before = sim.sent.length;
    expect((await post(id)).status).toBe(200);
    expect(sim.sent.slice(before).map((s) => s.message)).toEqual([
      { token, android: { priority: 'HIGH', data: { type: 'message', message: TEST_MESSAGE } } },
    ]);
  });

  it('FCM refuses an UNREGISTERED token: answered in words, the token retired, the push recorded as failed', async () => {
    const { id, token } = await phone('IOS');
    sim.unregister(token);
    const res = await post(id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      outcome: 'unregistered',
      message: expect.stringContaining('UNREGISTERED') as unknown,
      notification: { state: 'failed', error: 'unregistered', sentAt: null },
    });
    const row = (await own.db('beiwe_fcm_tokens').where({ token }).first()) as { unregistered_at: Date | null };
    expect(row.unregistered_at).not.toBeNull();
    expect((await history(id)).items).toMatchObject([{ kind: 'test', state: 'failed', error: 'unregistered' }]);
    // The token is gone now: a second test has nothing to send to.
    const again = await post(id);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/no registered phone token/);
  });

  it('FCM rejects the message and is unavailable: each answered in words and recorded, never retried', async () => {
    const { id } = await phone('ANDROID');
    sim.failNext('INVALID_ARGUMENT');
    expect(await (await post(id)).json()).toMatchObject({
      outcome: 'rejected',
      message: expect.stringMatching(/^FCM refused the message: 400 INVALID_ARGUMENT/) as unknown,
      notification: { state: 'failed', error: 'invalid' },
    });
    sim.failNext('UNAVAILABLE', 1, 30);
    expect(await (await post(id)).json()).toMatchObject({
      outcome: 'unavailable',
      notification: { state: 'failed', error: 'unavailable' },
    });
    const rows = (await own.db('push_notifications').where({ participant_id: id }).select('state', 'error')) as {
      state: string;
      error: string;
    }[];
    expect(rows.map((r) => `${r.state}:${r.error}`).sort()).toEqual(['failed:invalid', 'failed:unavailable']);
  });

  it('Google refuses the service account: recorded as the credential problem, later tests answer 409', async () => {
    const { id } = await phone('IOS');
    sim.deleteKey(account);
    const res = await post(id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'credential_refused', notification: { state: 'failed' } });
    const creds = (await own.db('push_credentials').where({ id: 1 }).first()) as { problem: string | null };
    expect(creds.problem).toMatch(/^token_refused/);
    const again = await post(id);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(
      /^Google refused the Firebase service account/
    );
  });

  it('no credentials configured: 409, nothing sent or recorded', async () => {
    const { id } = await phone('IOS');
    await saveCredentials(own.db, vault, { serviceAccount: null }, 'test', new Date());
    const before = sim.attempts.length;
    const res = await post(id);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /^no Firebase service account is configured/
    );
    expect(sim.attempts.length).toBe(before);
    expect(await own.db('push_notifications').where({ participant_id: id })).toEqual([]);
  });

  it('no registered phone token: 409; unknown participant: 404; a Viewer: 403 and nothing sent', async () => {
    const { id } = await phone('ANDROID', false);
    const res = await post(id);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      `participant ${id} has no registered phone token: the Beiwe app sends one after registration`
    );
    expect((await post(4_000_000_000)).status).toBe(404);
    const withToken = await phone('IOS');
    const before = sim.attempts.length;
    const viewer = await post(withToken.id, asViewer);
    expect(viewer.status).toBe(403);
    expect(sim.attempts.length).toBe(before);
    expect(await own.db('push_notifications').where({ participant_id: withToken.id })).toEqual([]);
  });

  it('a bad id is 400 naming the field', async () => {
    const res = await post('abc');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { fields: { field: string }[] } }).error.fields[0]?.field).toBe('id');
  });
});
