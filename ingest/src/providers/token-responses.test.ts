import { describe, expect, it } from 'vitest';
import type { CustomFetchOptions } from 'openid-client';
import { unwrapWithingsToken } from '../vendors/withings/token-unwrap.ts';
import { normalisingFetch } from './token-responses.ts';

/** A fetch that answers with a fixed response: no network. */
const answering = (body: string, status = 200, headers: Record<string, string> = {}) =>
  (() => Promise.resolve(new Response(body, { status, headers }))) as unknown as typeof fetch;

const options = { method: 'POST', headers: {}, body: undefined, redirect: 'manual' } as CustomFetchOptions;

async function through(body: string, status = 200, headers: Record<string, string> = {}, withings = false) {
  const res = await normalisingFetch(answering(body, status, headers), withings ? unwrapWithingsToken : undefined)(
    'https://example.test/token',
    options
  );
  const text = await res.text();
  return {
    status: res.status,
    json: text === '' ? null : (JSON.parse(text) as Record<string, unknown>),
    headers: res.headers,
  };
}

describe('token responses, normalised', () => {
  it('lifts a Withings body on status 0', async () => {
    const tokens = { userid: 363, access_token: 'a', refresh_token: 'r', token_type: 'Bearer' };
    expect(await through(JSON.stringify({ status: 0, body: tokens }), 200, {}, true)).toMatchObject({
      status: 200,
      json: tokens,
    });
  });

  it('turns Withings failure statuses into RFC 6749 errors', async () => {
    const cases: [number, string][] = [
      [503, 'invalid_grant'],
      [401, 'invalid_grant'],
      [100, 'invalid_grant'],
      [601, 'rate_limited'],
      [522, 'temporarily_unavailable'],
      [2554, 'invalid_request'],
    ];
    for (const [status, error] of cases) {
      const res = await through(JSON.stringify({ status, body: {}, error: 'Invalid Params' }), 200, {}, true);
      expect(res, String(status)).toMatchObject({ status: 400, json: { error } });
    }
  });

  it('keeps standard errors, reads Fitbit-style errors[] and maps 5xx, 429 and garbage', async () => {
    expect(await through('{"error":"invalid_grant","error_description":"Bad Request"}', 400)).toMatchObject({
      status: 400,
      json: { error: 'invalid_grant', error_description: 'Bad Request' },
    });
    const fitbit = '{"errors":[{"errorType":"invalid_grant","message":"Refresh token invalid: abc"}],"success":false}';
    const mapped = await through(fitbit, 400);
    expect(mapped.json).toMatchObject({ error: 'invalid_grant' });
    expect(JSON.stringify(mapped.json)).not.toContain('abc');
    expect((await through('<h1>oops</h1>', 502)).json).toMatchObject({ error: 'temporarily_unavailable' });
    expect((await through('', 429)).json).toMatchObject({ error: 'rate_limited' });
    expect((await through('not json', 200)).json).toMatchObject({ error: 'invalid_provider_response' });
    expect((await through('[1,2]', 200)).json).toMatchObject({ error: 'invalid_provider_response' });
    expect((await through('nope', 404)).json).toMatchObject({ error: 'invalid_provider_response' });
  });

  it('passes an empty success (revocation) and drops WWW-Authenticate', async () => {
    expect(await through('', 200)).toMatchObject({ status: 200, json: null });
    const res = await through('{"error":"invalid_client"}', 401, { 'www-authenticate': 'Basic realm="x"' });
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.json).toMatchObject({ error: 'invalid_client' });
  });
});
