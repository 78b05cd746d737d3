import { describe, expect, it } from 'vitest';
import { loadContract, type Exchange } from './openapi.ts';

const polar = loadContract(new URL('./polar-accesslink-openapi.json', import.meta.url));
const withings = loadContract(new URL('./withings-openapi.json', import.meta.url), {
  host: 'https://wbsapi.withings.net',
});

const exchange = (e: Partial<Exchange> & Pick<Exchange, 'method' | 'path'>): Exchange => ({
  params: {},
  headers: { authorization: 'Bearer t' },
  status: 200,
  body: undefined,
  ...e,
});

describe('contract checks against a vendor’s OpenAPI document', () => {
  it('finds the operation, preferring a literal segment over a path parameter', () => {
    expect(polar.operationOf(exchange({ method: 'GET', path: '/v3/users/activities' }))).toEqual({
      id: 'listActivitiesWithoutTransaction',
    });
    expect(polar.operationOf(exchange({ method: 'GET', path: '/v3/users/475' }))).toEqual({ id: 'getUserInformation' });
    expect(
      withings.operationOf(exchange({ method: 'POST', path: '/v2/sleep', params: { action: 'getsummary' } }))
    ).toEqual({ id: 'sleepv2-getsummary' });
  });

  it('accepts a conforming exchange', () => {
    expect(
      polar.check(
        exchange({
          method: 'GET',
          path: '/v3/users/activities',
          params: { from: '2026-11-01', to: '2026-11-20', steps: 'true' },
          body: [{ start_time: '2026-11-20T00:00:00', steps: 10 }],
        })
      )
    ).toEqual([]);
  });

  it('names undocumented operations, parameters, values, statuses and response shapes', () => {
    expect(polar.check(exchange({ method: 'GET', path: '/v3/heart-rate' }))).toEqual([
      'GET /v3/heart-rate is not a documented operation',
    ]);
    expect(
      polar.check(
        exchange({ method: 'GET', path: '/v3/users/activities', params: { from: '20261101', steps: 'yes', days: '3' } })
      )
    ).toEqual([
      'listActivitiesWithoutTransaction (GET /v3/users/activities): parameter from="20261101" is not a date (YYYY-MM-DD)',
      'listActivitiesWithoutTransaction (GET /v3/users/activities): parameter steps="yes" is not of type boolean',
      'listActivitiesWithoutTransaction (GET /v3/users/activities): parameter days is not documented',
    ]);
    expect(polar.check(exchange({ method: 'GET', path: '/v3/users/abc' }))).toEqual([
      'getUserInformation (GET /v3/users/abc): path parameter user-id="abc" is not of type integer',
    ]);
    expect(polar.check(exchange({ method: 'GET', path: '/v3/exercises', status: 429 }))).toEqual([
      'listExercisesWithoutTransaction (GET /v3/exercises): status 429 is not documented (200, 403)',
    ]);
    expect(polar.check(exchange({ method: 'GET', path: '/v3/users/activities', body: [{ steps: 'many' }] }))).toEqual([
      'listActivitiesWithoutTransaction (GET /v3/users/activities): response /0/steps must be integer',
    ]);
  });

  it('reads Withings’ prose: the action names the operation, "DO NOT USE WITH" makes alternatives', () => {
    const summary = (params: Record<string, string>) =>
      withings.check(exchange({ method: 'POST', path: '/v2/sleep', params: { action: 'getsummary', ...params } }));
    expect(summary({ lastupdate: '1795000000' })).toEqual([]);
    expect(summary({ startdateymd: '2026-11-01', enddateymd: '2026-11-02' })).toEqual([]);
    expect(summary({})).toEqual([
      'sleepv2-getsummary (POST /v2/sleep): required parameter startdateymd not sent',
      'sleepv2-getsummary (POST /v2/sleep): required parameter enddateymd not sent',
      'sleepv2-getsummary (POST /v2/sleep): required parameter lastupdate not sent',
    ]);
    expect(withings.check(exchange({ method: 'POST', path: '/v2/sleep', params: { action: 'getall' } }))).toEqual([
      'POST /v2/sleep action=getall is not a documented operation',
    ]);
    expect(
      withings.check(
        exchange({ method: 'POST', path: '/v2/sleep', params: { action: 'get', startdate: 'monday', enddate: '1' } })
      )
    ).toEqual(['sleepv2-get (POST /v2/sleep): parameter startdate="monday" is not of type integer']);
  });

  it('checks a form body against the variant its discriminator names (the token request)', () => {
    const token = (params: Record<string, string>) =>
      withings.check(
        exchange({
          method: 'POST',
          path: '/v2/oauth2',
          params: { action: 'requesttoken', ...params },
          body: { status: 0, body: {} },
        })
      );
    const refresh = { grant_type: 'refresh_token', client_id: 'c', client_secret: 's', refresh_token: 'r' };
    expect(token(refresh)).toEqual([]);
    expect(token({ ...refresh, refresh_token: undefined as unknown as string })).not.toEqual([]);
    expect(token({ ...refresh, scope: 'user.info' })).toEqual([
      'oauth2-getaccesstoken (POST /v2/oauth2): body field scope is not documented',
    ]);
  });
});
