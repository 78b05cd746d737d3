import { afterEach, describe, expect, it } from 'vitest';
import { startFirebaseSimulator, type FirebaseSimulator } from '../test/firebase-simulator.ts';
import { createFcmSender, type SendOutcome } from './fcm.ts';
import { ServiceAccount } from './google-auth.ts';
import { surveyMessage, textMessage } from './messages.ts';

const TOKEN = `cHVzaC10ZXN0LXRva2Vu:APA91b${'y'.repeat(140)}`;
const started: FirebaseSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function setUp(projectId = 'vigil-push') {
  const sim = await startFirebaseSimulator();
  started.push(sim);
  const account = sim.createServiceAccount(projectId);
  const sender = createFcmSender(ServiceAccount.parse(account), { fcmBaseUrl: sim.url, oauthBaseUrl: sim.url });
  return { sim, account, sender };
}

const uuids = new Map([
  ['AbCdEfGhIjKlMnOpQrStUvWx', ['7d1f0d2e-0c1b-4a7e-9d1e-1f2a3b4c5d6e']],
  ['ZyXwVuTsRqPoNmLkJiHgFeDc', ['0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e']],
]);
const sentAt = new Date('2026-03-08T14:00:05.250Z');

describe('FCM messages the Beiwe apps expect', () => {
  it('survey push: Android data-only high priority, iOS the same data with a visible notification', () => {
    const data = {
      type: 'survey',
      survey_ids: '["AbCdEfGhIjKlMnOpQrStUvWx","ZyXwVuTsRqPoNmLkJiHgFeDc"]',
      survey_uuids_dict:
        '{"AbCdEfGhIjKlMnOpQrStUvWx":["7d1f0d2e-0c1b-4a7e-9d1e-1f2a3b4c5d6e"],"ZyXwVuTsRqPoNmLkJiHgFeDc":["0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d","1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"]}',
      sent_time: '2026-03-08T14:00:05',
      nonce: 'n'.repeat(32),
    };
    expect(
      surveyMessage({ platform: 'ANDROID', token: TOKEN, uuidsBySurvey: uuids, sentAt, nonce: 'n'.repeat(32) })
    ).toEqual({
      token: TOKEN,
      android: { priority: 'HIGH', data },
    });
    expect(
      surveyMessage({ platform: 'IOS', token: TOKEN, uuidsBySurvey: uuids, sentAt, nonce: 'n'.repeat(32) })
    ).toEqual({
      token: TOKEN,
      data,
      notification: { title: 'Beiwe', body: 'You have surveys to take.' },
    });
    expect(textMessage({ platform: 'IOS', token: TOKEN, text: 'Open Beiwe' })).toEqual({
      token: TOKEN,
      data: { type: 'message', message: 'Open Beiwe' },
      notification: { title: 'Beiwe', body: 'Open Beiwe' },
    });
  });
});

describe('the FCM sender against the simulator', () => {
  it('sends each message shape; FCM accepts them and reuses one access token', async () => {
    const { sim, sender } = await setUp();
    for (const platform of ['ANDROID', 'IOS'] as const) {
      const outcome = await sender.send(
        surveyMessage({ platform, token: TOKEN, uuidsBySurvey: uuids, sentAt, nonce: 'x'.repeat(32) })
      );
      expect(outcome).toMatchObject({
        kind: 'sent',
        messageId: expect.stringMatching(/^projects\/vigil-push\/messages\//) as string,
      });
      expect((await sender.send(textMessage({ platform, token: TOKEN, text: 'hello' }))).kind).toBe('sent');
    }
    expect(sim.sent).toHaveLength(4);
    expect(sim.grants).toHaveLength(1);
  });

  const classes: [string, (sim: FirebaseSimulator) => void, Partial<SendOutcome>][] = [
    ['UNREGISTERED', (s) => s.unregister(TOKEN), { kind: 'unregistered' }],
    ['QUOTA_EXCEEDED', (s) => s.exhaustQuota(0, 60), { kind: 'retry', reason: 'quota', retryAfterMs: 60_000 }],
    [
      'UNAVAILABLE',
      (s) => s.failNext('UNAVAILABLE', 1, 7),
      { kind: 'retry', reason: 'unavailable', retryAfterMs: 7000 },
    ],
    ['INTERNAL', (s) => s.failNext('INTERNAL'), { kind: 'retry', reason: 'internal' }],
    [
      'THIRD_PARTY_AUTH_ERROR',
      (s) => s.failNext('THIRD_PARTY_AUTH_ERROR'),
      { kind: 'credential', reason: 'apns_auth' },
    ],
    [
      'SENDER_ID_MISMATCH',
      (s) => s.bindToken(TOKEN, 'someone-elses-app'),
      { kind: 'rejected', reason: 'sender_id_mismatch' },
    ],
    ['INVALID_ARGUMENT', (s) => s.failNext('INVALID_ARGUMENT'), { kind: 'rejected', reason: 'invalid' }],
  ];
  it.each(classes)('classifies %s', async (_, arrange, expected) => {
    const { sim, sender } = await setUp();
    arrange(sim);
    expect(await sender.send(textMessage({ platform: 'ANDROID', token: TOKEN, text: 'x' }))).toMatchObject(expected);
  });

  it('a refused service account is a credential problem; an access token that died is renewed once', async () => {
    const { sim, account, sender } = await setUp();
    expect((await sender.send(textMessage({ platform: 'ANDROID', token: TOKEN, text: 'x' }))).kind).toBe('sent');
    expect(sim.grants).toHaveLength(1);
    sim.expireAccessTokens();
    expect((await sender.send(textMessage({ platform: 'ANDROID', token: TOKEN, text: 'x' }))).kind).toBe('sent');
    expect(sim.grants).toHaveLength(2);
    sim.deleteKey(account);
    expect(await sender.send(textMessage({ platform: 'ANDROID', token: TOKEN, text: 'x' }))).toMatchObject({
      kind: 'credential',
    });
  });

  it('a service account of another project may not send for this one (403: a credential problem)', async () => {
    const { sim } = await setUp();
    const other = sim.createServiceAccount('another-project');
    const sender = createFcmSender(ServiceAccount.parse({ ...other, project_id: 'vigil-push' }), {
      fcmBaseUrl: sim.url,
      oauthBaseUrl: sim.url,
    });
    expect(await sender.send(textMessage({ platform: 'ANDROID', token: TOKEN, text: 'x' }))).toMatchObject({
      kind: 'credential',
      reason: 'permission_denied',
    });
  });

  it('an unreachable FCM is retried later', async () => {
    const { sim, account } = await setUp();
    const sender = createFcmSender(ServiceAccount.parse(account), {
      fcmBaseUrl: 'http://127.0.0.1:9',
      oauthBaseUrl: sim.url,
    });
    expect(await sender.send(textMessage({ platform: 'ANDROID', token: TOKEN, text: 'x' }))).toEqual({
      kind: 'retry',
      reason: 'unreachable',
    });
  });
});
