import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serviceAccountClient, ServiceAccount } from '../push/google-auth.ts';
import { startFirebaseSimulator, type FcmErrorCode, type FirebaseSimulator } from './firebase-simulator.ts';

const started: FirebaseSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});
const simulator = async () => {
  const sim = await startFirebaseSimulator();
  started.push(sim);
  return sim;
};

const TOKEN = `dGVzdC10b2tlbi1vbmU:APA91b${'x'.repeat(140)}`;

/** google.rpc.Status as the FCM v1 docs show it; FCM's errors carry an FcmError detail. */
const RpcStatus = z.strictObject({
  error: z.strictObject({
    code: z.number().int(),
    message: z.string().min(1),
    status: z.string(),
    details: z.array(z.looseObject({ '@type': z.string() })).optional(),
  }),
});

async function accessTokenFor(sim: FirebaseSimulator, projectId = 'vigil-test') {
  const account = sim.createServiceAccount(projectId);
  const client = serviceAccountClient(ServiceAccount.parse(account), sim.url);
  const { token } = await client.getAccessToken();
  return { account, token: token! };
}

const send = (sim: FirebaseSimulator, accessToken: string | undefined, body: unknown, projectId = 'vigil-test') =>
  fetch(`${sim.url}/v1/projects/${projectId}/messages:send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accessToken && { authorization: `Bearer ${accessToken}` }) },
    body: JSON.stringify(body),
  });

describe('the Firebase simulator: Google OAuth token endpoint', () => {
  it('grants an access token for an RS256 JWT signed by the service account (google-auth-library)', async () => {
    const sim = await simulator();
    const { account, token } = await accessTokenFor(sim);
    expect(token).toMatch(/^ya29\./);
    expect(sim.grants).toEqual([
      expect.objectContaining({
        clientEmail: account.client_email,
        scopes: ['https://www.googleapis.com/auth/firebase.messaging'],
      }),
    ]);
  });

  it('refuses a deleted key, a forged signature, an unknown account and another grant type (RFC 6749 errors)', async () => {
    const sim = await simulator();
    const account = sim.createServiceAccount('vigil-test');
    const forged = { ...sim.createServiceAccount('vigil-test'), client_email: account.client_email };
    await expect(serviceAccountClient(ServiceAccount.parse(forged), sim.url).getAccessToken()).rejects.toThrow(
      /invalid_grant: Invalid JWT Signature/
    );
    const unknown = { ...account, client_email: 'nobody@vigil-test.iam.gserviceaccount.com' };
    await expect(serviceAccountClient(ServiceAccount.parse(unknown), sim.url).getAccessToken()).rejects.toThrow(
      /invalid_grant: Invalid grant: account not found/
    );
    sim.deleteKey(account);
    await expect(serviceAccountClient(ServiceAccount.parse(account), sim.url).getAccessToken()).rejects.toThrow(
      /invalid_grant/
    );
    const res = await fetch(`${sim.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'Invalid grant_type: client_credentials',
    });
  });
});

describe('the Firebase simulator: FCM HTTP v1 messages:send', () => {
  it('accepts a message and answers with its name; records it', async () => {
    const sim = await simulator();
    const { token } = await accessTokenFor(sim);
    const message = { token: TOKEN, android: { priority: 'HIGH', data: { type: 'survey' } } };
    const res = await send(sim, token, { message });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toMatch(/^projects\/vigil-test\/messages\/.+/);
    expect(sim.sent).toEqual([expect.objectContaining({ projectId: 'vigil-test', message, validateOnly: false })]);
  });

  const cases: [string, (sim: FirebaseSimulator) => void, FcmErrorCode, number, string, boolean][] = [
    ['a malformed token', () => undefined, 'INVALID_ARGUMENT', 400, 'INVALID_ARGUMENT', false],
    ['an unregistered token', (s) => s.unregister(TOKEN), 'UNREGISTERED', 404, 'NOT_FOUND', false],
    [
      'a token of another project',
      (s) => s.bindToken(TOKEN, 'other-app'),
      'SENDER_ID_MISMATCH',
      403,
      'PERMISSION_DENIED',
      false,
    ],
    ['an exhausted quota', (s) => s.exhaustQuota(), 'QUOTA_EXCEEDED', 429, 'RESOURCE_EXHAUSTED', true],
    ['an outage', (s) => s.failNext('UNAVAILABLE'), 'UNAVAILABLE', 503, 'UNAVAILABLE', true],
    ['an internal error', (s) => s.failNext('INTERNAL'), 'INTERNAL', 500, 'INTERNAL', false],
    [
      'a bad APNs key',
      (s) => s.failNext('THIRD_PARTY_AUTH_ERROR'),
      'THIRD_PARTY_AUTH_ERROR',
      401,
      'UNAUTHENTICATED',
      false,
    ],
  ];
  it.each(cases)(
    'answers %s with the documented FcmError body',
    async (_, arrange, errorCode, code, status, retryAfter) => {
      const sim = await simulator();
      const { token } = await accessTokenFor(sim);
      arrange(sim);
      const res = await send(sim, token, { message: { token: errorCode === 'INVALID_ARGUMENT' ? 'short' : TOKEN } });
      expect(res.status).toBe(code);
      expect(res.headers.get('retry-after') !== null).toBe(retryAfter);
      const body = RpcStatus.parse(await res.json());
      expect(body.error).toMatchObject({ code, status });
      expect(body.error.details).toEqual([
        { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode },
      ]);
      expect(sim.sent).toEqual([]);
    }
  );

  it('answers 401 UNAUTHENTICATED without a valid access token, 403 PERMISSION_DENIED for another project', async () => {
    const sim = await simulator();
    const { token } = await accessTokenFor(sim);
    for (const bad of [undefined, 'ya29.unknown']) {
      const res = await send(sim, bad, { message: { token: TOKEN } });
      expect(res.status).toBe(401);
      expect(RpcStatus.parse(await res.json()).error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    }
    const other = await send(sim, token, { message: { token: TOKEN } }, 'someone-else');
    expect(other.status).toBe(403);
    expect(RpcStatus.parse(await other.json()).error).toMatchObject({ status: 'PERMISSION_DENIED' });
    sim.expireAccessTokens();
    expect((await send(sim, token, { message: { token: TOKEN } })).status).toBe(401);
  });

  it('refuses what the Message proto and FCM limits refuse, naming the field (google.rpc.BadRequest)', async () => {
    const sim = await simulator();
    const { token } = await accessTokenFor(sim);
    const refused = async (body: unknown, field: string) => {
      const res = await send(sim, token, body);
      expect(res.status).toBe(400);
      const parsed = RpcStatus.parse(await res.json());
      expect(parsed.error.status).toBe('INVALID_ARGUMENT');
      expect(parsed.error.details?.[0]).toMatchObject({
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [expect.objectContaining({ field })],
      });
    };
    await refused({ message: { token: TOKEN, data: { n: 12 } } }, 'message.data[0].value');
    await refused({ message: { token: TOKEN, data: { from: 'x' } } }, 'message.data');
    await refused({ message: { token: TOKEN, data: { big: 'x'.repeat(4097) } } }, 'message.data');
    await refused({ message: { data: {} } }, 'message');
    await refused({ message: { token: TOKEN, topic: 't' } }, 'message');
    await refused({ message: { token: TOKEN, android: { priority: 'URGENT' } } }, 'message.android.priority');
    await refused({ message: { token: TOKEN, sound: 'x' } }, 'message');
    await refused({ message: { token: TOKEN }, extra: 1 }, '');
    expect(sim.sent).toEqual([]);
  });

  it('lets a quota run out after a number of sends and come back', async () => {
    const sim = await simulator();
    const { token } = await accessTokenFor(sim);
    sim.exhaustQuota(2, 30);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(sim, token, { message: { token: TOKEN } })).status);
    expect(statuses).toEqual([200, 200, 429]);
    sim.restoreQuota();
    expect((await send(sim, token, { message: { token: TOKEN } })).status).toBe(200);
    expect(sim.attempts.map((a) => a.status)).toEqual([200, 200, 429, 200]);
  });
});
