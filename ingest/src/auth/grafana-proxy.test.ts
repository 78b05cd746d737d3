import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { grafanaProxyAuth, type CallerVariables } from './grafana-proxy.ts';

const SECRET = 's'.repeat(40);

function appUnderTest() {
  const app = new Hono<{ Variables: CallerVariables }>()
    .use(grafanaProxyAuth(SECRET))
    .get('/thing', (c) => c.json(c.get('caller')))
    .post('/thing', (c) => c.json(c.get('caller')));
  return app;
}

const statusOf = async (res: Response | Promise<Response>) => (await res).status;

const context = (fields: Record<string, unknown>) =>
  JSON.stringify({ Login: 'u', OrgRole: 'Viewer', IsGrafanaAdmin: false, ...fields });

describe('grafanaProxyAuth', () => {
  const app = appUnderTest();
  // The real error mapper is exercised by the routes' tests; here only the status matters.
  app.onError(
    (err) =>
      new Response(err.name, {
        status: err.name === 'UnauthorizedError' ? 401 : err.name === 'ForbiddenError' ? 403 : 500,
      })
  );

  it('401 without the secret, with a wrong one, or with one of another length', async () => {
    expect(await statusOf(app.request('/thing'))).toBe(401);
    expect(
      await statusOf(
        app.request('/thing', { headers: { 'x-vigil-secret': 't'.repeat(40), 'x-grafana-context': context({}) } })
      )
    ).toBe(401);
    expect(
      await statusOf(app.request('/thing', { headers: { 'x-vigil-secret': 's', 'x-grafana-context': context({}) } }))
    ).toBe(401);
  });

  it('401 when the Grafana context is missing, not JSON, or not a user', async () => {
    for (const ctx of [undefined, 'not json', '{"OrgRole":"Admin"}']) {
      const headers: Record<string, string> = { 'x-vigil-secret': SECRET };
      if (ctx !== undefined) headers['x-grafana-context'] = ctx;
      expect(await statusOf(app.request('/thing', { headers }))).toBe(401);
    }
  });

  it.each([
    ['Viewer', false, 'GET', 200],
    ['Viewer', false, 'POST', 403],
    ['Editor', false, 'POST', 403],
    ['Admin', false, 'POST', 200],
    ['None', false, 'GET', 403],
    ['None', true, 'POST', 200],
    ['', false, 'GET', 403],
  ] as const)('role %s (server admin %s) %s → %i', async (role, serverAdmin, method, expected) => {
    const headers = {
      'x-vigil-secret': SECRET,
      'x-grafana-context': context({ OrgRole: role, IsGrafanaAdmin: serverAdmin }),
    };
    expect(await statusOf(app.request('/thing', { method, headers }))).toBe(expected);
  });

  it('names anonymous users as such', async () => {
    const headers = { 'x-vigil-secret': SECRET, 'x-grafana-context': context({ Login: '', IsAnonymous: true }) };
    expect(await (await app.request('/thing', { headers })).json()).toMatchObject({
      login: 'anonymous',
      role: 'Viewer',
    });
  });

  it('401 for a login longer than a Grafana login can be (190 characters), on reads and writes alike', async () => {
    for (const method of ['GET', 'POST']) {
      const at = (login: string) =>
        statusOf(
          app.request('/thing', {
            method,
            headers: { 'x-vigil-secret': SECRET, 'x-grafana-context': context({ Login: login, OrgRole: 'Admin' }) },
          })
        );
      expect(await at('a'.repeat(190))).toBe(200);
      expect(await at('a'.repeat(191))).toBe(401);
      expect(await at('a'.repeat(20_000))).toBe(401);
    }
  });

  it('reads the context as UTF-8, as Grafana writes it: a non-ASCII login arrives intact; bytes that are not UTF-8 are 401', async () => {
    // Node gives a header's bytes as Latin-1 characters, as these are.
    const raw = (text: string | Buffer) => Buffer.from(text).toString('latin1');
    const headers = (ctx: string) => ({ 'x-vigil-secret': SECRET, 'x-grafana-context': ctx });
    const res = await app.request('/thing', { headers: headers(raw(context({ Login: 'zoë 😀' }))) });
    expect(await res.json()).toMatchObject({ login: 'zoë 😀' });
    const invalid = Buffer.concat([
      Buffer.from('{"Login":"'),
      Buffer.from([0xff, 0xc0, 0xaf]),
      Buffer.from('","OrgRole":"Viewer"}'),
    ]);
    expect(await statusOf(app.request('/thing', { headers: headers(raw(invalid)) }))).toBe(401);
  });
});
