import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitedError, TokenRejectedError } from '../../providers/errors.ts';
import { googleHealthGet } from '../../vendors/fitbit/health-api.ts';
import { polarRequest, polarError } from '../../vendors/polar/api.ts';
import { withingsCall } from '../../vendors/withings/api.ts';
import { withingsSignature } from '../../vendors/withings/signature.ts';
import { createTestClock } from '../fixtures.ts';
import type { Simulator } from './core.ts';
import { startGoogleHealthSimulator } from './google-health.ts';
import { googleHealthData } from './google-health-data.ts';
import { startPolarSimulator } from './polar.ts';
import { polarData } from './polar-data.ts';
import { startWithingsSimulator } from './withings.ts';

const REDIRECT = 'http://127.0.0.1:9/oauth/callback/x';
const started: Simulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});
const track = <T extends Simulator>(sim: T) => (started.push(sim), sim);

/** The consent step without a browser: the code from the authorize redirect. */
async function authorize(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  return new URL(res.headers.get('location')!);
}

const form = (body: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams(body) });

describe('the Google Health simulator', () => {
  async function googleTokens(options: Parameters<typeof startGoogleHealthSimulator>[0] = {}, scope = 'a b') {
    const sim = track(await startGoogleHealthSimulator(options));
    const back = await authorize(
      `${sim.url}/o/oauth2/v2/auth?client_id=${sim.clientId}&response_type=code&redirect_uri=${REDIRECT}&scope=${encodeURIComponent(scope)}&access_type=offline&state=s`
    );
    const res = await fetch(
      `${sim.url}/token`,
      form({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: REDIRECT,
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
      })
    );
    return { sim, tokens: (await res.json()) as { access_token: string; refresh_token: string; scope: string } };
  }

  it('keeps refresh tokens (none in a refresh answer); in testing mode they die after 7 days', async () => {
    const clock = createTestClock();
    const { sim, tokens } = await googleTokens({ clock, testingMode: true });
    expect(tokens.scope).toBe('a b');
    const refresh = () =>
      fetch(
        `${sim.url}/token`,
        form({
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
          client_id: sim.clientId,
          client_secret: sim.clientSecret,
        })
      );
    const first = (await (await refresh()).json()) as Record<string, unknown>;
    expect(first).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    expect(first.refresh_token).toBeUndefined();
    clock.advance(7 * 86_400_000);
    const dead = await refresh();
    expect(dead.status).toBe(400);
    expect(await dead.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
  });

  it('enforces the per-user quota with a Google RPC 429, read by the client as RateLimitedError', async () => {
    const { sim, tokens } = await googleTokens({ perUserPerMinute: 2, retryAfterSeconds: 30 });
    const identity = () => googleHealthGet(fetch, `${sim.url}/v4/users/me/identity`, tokens.access_token);
    await identity();
    await identity();
    const limited = await identity().catch((err: unknown) => err);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterSeconds).toBe(30);
    const raw = await fetch(`${sim.url}/v4/users/me/identity`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(raw.status).toBe(429);
    expect(await raw.json()).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
  });

  it('answers 401 UNAUTHENTICATED to a revoked token, and 410 Gone on the legacy Fitbit Web API', async () => {
    const { sim, tokens } = await googleTokens();
    const revoke = await fetch(`${sim.url}/revoke`, form({ token: tokens.refresh_token }));
    expect(revoke.status).toBe(200);
    await expect(googleHealthGet(fetch, `${sim.url}/v4/users/me/identity`, tokens.access_token)).rejects.toBeInstanceOf(
      TokenRejectedError
    );
    expect((await fetch(`${sim.url}/revoke`, form({ token: tokens.refresh_token }))).status).toBe(400);
    expect((await fetch(`${sim.url}/fitbit-web-api/1/user/-/activities/date/today.json`)).status).toBe(410);
  });

  it('refuses dailyRollUp bodies and exercise filters as Google does (google-health-api.md §3.3, §3.6)', async () => {
    const { sim, tokens } = await googleTokens(
      { extend: googleHealthData().extend },
      'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'
    );
    const auth = { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' };
    const rollUp = async (body: unknown) => {
      const res = await fetch(`${sim.url}/v4/users/me/dataTypes/distance/dataPoints:dailyRollUp`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { error?: { message: string; details: unknown[] } } };
    };
    const day = (d: number) => ({ date: { year: 2026, month: 11, day: d } });
    expect(await rollUp({ range: { start: day(1), end: day(8) }, windowSizeDays: 1 })).toEqual({
      status: 200,
      body: { rollupDataPoints: [] },
    });
    // A bare date where a CivilDateTime belongs.
    const bare = await rollUp({ range: { start: { year: 2026, month: 11, day: 1 }, end: day(8) } });
    expect(bare.status).toBe(400);
    expect(bare.body.error?.message).toContain(`Unknown name "year" at 'range.start'`);
    const long = await rollUp({ range: { start: day(1), end: { date: { year: 2027, month: 2, day: 1 } } } });
    expect(long.status).toBe(400);
    expect(long.body.error?.details).toContainEqual(
      expect.objectContaining({ reason: 'INVALID_ROLLUP_QUERY_DURATION' })
    );
    const small = await rollUp({ range: { start: day(1), end: day(15) }, pageSize: 5 });
    expect(small.body.error?.message).toBe('page_size (5) is too small.');

    const list = (filter: string) =>
      fetch(`${sim.url}/v4/users/me/dataTypes/exercise/dataPoints?filter=${encodeURIComponent(filter)}`, {
        headers: auth,
      });
    // Exercise is filtered on civil time, with literals that carry no zone.
    const civil = 'exercise.interval.civil_start_time';
    expect((await list(`${civil} >= "2026-11-01T00:00:00" AND ${civil} < "2026-11-02"`)).status).toBe(200);
    const zoned = await list(`${civil} >= "2026-11-01T00:00:00Z" AND ${civil} < "2026-11-02T00:00:00Z"`);
    expect(await zoned.json()).toMatchObject({
      error: { details: [expect.objectContaining({ reason: 'INVALID_DATA_POINT_FILTER_CIVIL_DATE_TIME_FORMAT' })] },
    });
    const physical = 'exercise.interval.start_time';
    expect((await list(`${physical} >= "2026-11-01T00:00:00Z" AND ${physical} < "2026-11-02T00:00:00Z"`)).status).toBe(
      400
    );
  });

  it('serves ECGs to the ECG scope with a lower-bound filter only, and neither ECG nor IRN to reconcile (§3.3, §9.1)', async () => {
    const { sim, tokens } = await googleTokens(
      { extend: googleHealthData().extend },
      ['ecg', 'health_metrics_and_measurements']
        .map((s) => `https://www.googleapis.com/auth/googlehealth.${s}.readonly`)
        .join(' ')
    );
    const read = (type: string, method: string, filter: string) =>
      fetch(`${sim.url}/v4/users/me/dataTypes/${type}/${method}?filter=${encodeURIComponent(filter)}`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
    const reason = async (res: Response) =>
      ((await res.json()) as { error: { details: { reason: string }[] } }).error.details[0]?.reason;
    const start = 'electrocardiogram.interval.start_time';
    expect((await read('electrocardiogram', 'dataPoints', `${start} >= "2026-11-01T00:00:00Z"`)).status).toBe(200);
    const bounded = await read(
      'electrocardiogram',
      'dataPoints',
      `${start} >= "2026-11-01T00:00:00Z" AND ${start} < "2026-11-02T00:00:00Z"`
    );
    expect([bounded.status, await reason(bounded)]).toEqual([400, 'INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER']);
    const reconcile = await read('electrocardiogram', 'dataPoints:reconcile', `${start} >= "2026-11-01T00:00:00Z"`);
    expect([reconcile.status, await reason(reconcile)]).toEqual([400, 'UNSUPPORTED_DATA_TYPE_ACTION']);
    // The notifications need their own scope, which health measurements do not give.
    const civil = 'irregular_rhythm_notification.interval.civil_start_time';
    const irn = await read(
      'irregular-rhythm-notification',
      'dataPoints',
      `${civil} >= "2026-11-01T00:00:00" AND ${civil} < "2026-11-02T00:00:00"`
    );
    expect([irn.status, await reason(irn)]).toEqual([403, 'ACCESS_TOKEN_SCOPE_INSUFFICIENT']);
  });

  it('reconcile: one stream of a source family, as ReconciledDataPoints (google-health-api.md §3.4, §11.1)', async () => {
    const data = googleHealthData();
    const { sim, tokens } = await googleTokens(
      { extend: data.extend },
      'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'
    );
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    const { healthUserId } = (await (await fetch(`${sim.url}/v4/users/me/identity`, { headers: auth })).json()) as {
      healthUserId: string;
    };
    const interval = (start: string) => ({
      startTime: start,
      endTime: new Date(Date.parse(start) + 60_000).toISOString().replace('.000Z', 'Z'),
    });
    const steps = (platform: string, count: string, start: string) => ({
      dataSource: { platform },
      steps: { count, interval: interval(start) },
    });
    data.put(healthUserId, 'steps', [
      steps('HEALTH_CONNECT', '40', '2026-11-20T14:31:00Z'),
      { name: 'users/u/dataTypes/steps/dataPoints/a', ...steps('FITBIT', '87', '2026-11-20T14:31:00Z') },
      steps('HEALTH_CONNECT', '5', '2026-11-20T14:35:00Z'),
    ]);
    const member = 'steps.interval.start_time';
    const filter = `${member} >= "2026-11-20T00:00:00Z" AND ${member} < "2026-11-21T00:00:00Z"`;
    const read = (method: string, family?: string) =>
      fetch(
        `${sim.url}/v4/users/me/dataTypes/steps/${method}?${new URLSearchParams({ filter, ...(family && { dataSourceFamily: family }) }).toString()}`,
        { headers: auth }
      );
    const tracker = {
      dataPointName: 'users/u/dataTypes/steps/dataPoints/a',
      steps: { count: '87', interval: interval('2026-11-20T14:31:00Z') },
    };
    // Every source by default: one point per minute, the tracker's where both have one, newest first,
    // with no dataSource.
    expect(await (await read('dataPoints:reconcile')).json()).toEqual({
      dataPoints: [{ steps: { count: '5', interval: interval('2026-11-20T14:35:00Z') } }, tracker],
    });
    expect(await (await read('dataPoints:reconcile', 'users/me/dataSourceFamilies/google-wearables')).json()).toEqual({
      dataPoints: [tracker],
    });
    const unknown = await read('dataPoints:reconcile', 'users/me/dataSourceFamilies/phones');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: { details: [expect.objectContaining({ reason: 'INVALID_DATA_POINT_DATA_SOURCE_FAMILY' })] },
    });
    // `list` keeps every source's point.
    expect(((await (await read('dataPoints')).json()) as { dataPoints: unknown[] }).dataPoints).toHaveLength(3);
    // Roll-ups are built from the reconciled points: the minute both sources counted, once.
    const rollUp = await fetch(`${sim.url}/v4/users/me/dataTypes/steps/dataPoints:dailyRollUp`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        range: {
          start: { date: { year: 2026, month: 11, day: 20 } },
          end: { date: { year: 2026, month: 11, day: 21 } },
        },
      }),
    });
    expect(await rollUp.json()).toMatchObject({ rollupDataPoints: [{ steps: { countSum: '92' } }] });
  });
});

describe('the Withings simulator', () => {
  it('gives 30-second codes, rotates refresh tokens, answers 601 over the app quota and checks revoke signatures', async () => {
    const clock = createTestClock();
    const sim = track(await startWithingsSimulator({ clock, perAppPerMinute: 4 }));
    const code = (
      await authorize(
        `${sim.url}/oauth2_user/authorize2?client_id=${sim.clientId}&response_type=code&redirect_uri=${REDIRECT}&scope=user.info&state=s`
      )
    ).searchParams.get('code')!;
    const request = (extra: Record<string, string>) =>
      fetch(
        `${sim.url}/v2/oauth2`,
        form({ action: 'requesttoken', client_id: sim.clientId, client_secret: sim.clientSecret, ...extra })
      ).then(
        (r) =>
          r.json() as Promise<{ status: number; body: { userid: number; access_token: string; refresh_token: string } }>
      );
    clock.advance(29_000);
    const first = await request({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(first.status).toBe(0);
    expect(typeof first.body.userid).toBe('number');
    const second = await request({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);

    await withingsCall(fetch, `${sim.url}/v2/user`, { action: 'getdevice' }, second.body.access_token);
    // Once the new access token is used, the old refresh token is dead.
    expect((await request({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token })).status).toBe(503);
    const overQuota = await withingsCall(
      fetch,
      `${sim.url}/v2/user`,
      { action: 'getdevice' },
      second.body.access_token
    ).catch((e: unknown) => e);
    expect(overQuota).toBeInstanceOf(RateLimitedError);

    clock.advance(60_000);
    const timestamp = String(Math.floor(clock().getTime() / 1000));
    const nonceAnswer = (await (
      await fetch(
        `${sim.url}/v2/signature`,
        form({
          action: 'getnonce',
          client_id: sim.clientId,
          timestamp,
          signature: withingsSignature(sim.clientSecret, { action: 'getnonce', client_id: sim.clientId, timestamp }),
        })
      )
    ).json()) as { body: { nonce: string } };
    const nonce = nonceAnswer.body.nonce;
    const forged = await fetch(
      `${sim.url}/v2/oauth2`,
      form({ action: 'revoke', client_id: sim.clientId, nonce, signature: 'x', userid: String(first.body.userid) })
    );
    expect(((await forged.json()) as { status: number }).status).not.toBe(0);
    expect(sim.grants.grantsOf(String(first.body.userid)).some((g) => g.revoked)).toBe(false);
  });
});

describe('the Polar simulator', () => {
  it('issues no refresh token, sends RateLimit headers and answers 429 over the short window', async () => {
    const sim = track(await startPolarSimulator({ shortWindowLimit: 2 }));
    const code = (
      await authorize(
        `${sim.url}/oauth2/authorization?client_id=${sim.clientId}&response_type=code&redirect_uri=${REDIRECT}&state=s`
      )
    ).searchParams.get('code')!;
    const res = await fetch(`${sim.url}/v2/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${sim.clientId}:${sim.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }),
    });
    const tokens = (await res.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 365 * 86_400 });
    expect(tokens.refresh_token).toBeUndefined();
    const register = await polarRequest(fetch, `${sim.url}/v3/users`, tokens.access_token as string, {
      method: 'POST',
      json: { 'member-id': 'm1' },
    });
    expect(register.status).toBe(200);
    expect(register.headers.get('ratelimit-usage')).toBe('1,1');
    const again = await polarRequest(fetch, `${sim.url}/v3/users`, tokens.access_token as string, {
      method: 'POST',
      json: { 'member-id': 'm1' },
    });
    expect(again.status).toBe(409);
    const limited = await polarRequest(
      fetch,
      `${sim.url}/v3/users/${String(tokens.x_user_id)}`,
      tokens.access_token as string
    );
    expect(limited.status).toBe(429);
    const err = await polarError(limited, 'a test');
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
  });

  it('serves a user no data until registered ("only data uploaded after the user has been registered")', async () => {
    const data = polarData();
    const sim = track(await startPolarSimulator({ extend: data.extend }));
    const code = (
      await authorize(
        `${sim.url}/oauth2/authorization?client_id=${sim.clientId}&response_type=code&redirect_uri=${REDIRECT}&state=s`
      )
    ).searchParams.get('code')!;
    const tokens = (await (
      await fetch(`${sim.url}/v2/oauth2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${sim.clientId}:${sim.clientSecret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }),
      })
    ).json()) as { access_token: string; x_user_id: number };
    data.user(String(tokens.x_user_id)).sleep.set('2026-11-20', { date: '2026-11-20' });
    const night = () => polarRequest(fetch, `${sim.url}/v3/users/sleep/2026-11-20`, tokens.access_token);
    expect((await night()).status).toBe(404);
    const register = await polarRequest(fetch, `${sim.url}/v3/users`, tokens.access_token, {
      method: 'POST',
      json: { 'member-id': 'm2' },
    });
    expect(register.status).toBe(200);
    expect((await night()).status).toBe(200);
  });
});
