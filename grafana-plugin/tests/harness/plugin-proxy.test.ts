import { describe, expect, it } from 'vitest';
import pluginJson from '../../src/plugin.json';
import {
  interpolate,
  joinUrlPath,
  matchPath,
  planProxyRequest,
  type AppSettings,
  type HarnessUser,
  type ProxyRoute,
} from './plugin-proxy.ts';

const settings: AppSettings = {
  enabled: true,
  pinned: true,
  jsonData: { ingestUrl: 'http://ingest:8080' },
  secureJsonData: { sharedSecret: 's3cret' },
};
const user = (orgRole: HarnessUser['orgRole'], isGrafanaAdmin = false): HarnessUser => ({
  id: 7,
  login: `${orgRole.toLowerCase()}-user`,
  name: 'Someone',
  email: 'someone@example.org',
  orgRole,
  isGrafanaAdmin,
});
const plan = (over: Partial<Parameters<typeof planProxyRequest>[0]>) =>
  planProxyRequest({
    routes: pluginJson.routes,
    settings,
    user: user('Admin'),
    method: 'GET',
    proxyPath: 'api/v1/studies',
    search: '',
    headers: new Headers(),
    ...over,
  });

describe('the harness’s plugin proxy, as Grafana’s', () => {
  it('forwards a Viewer’s GET to the ingest URL with the secret and the signed-in user', () => {
    const decision = plan({
      user: user('Viewer'),
      proxyPath: 'api/v1/studies/3/participants',
      search: '?q=x',
      headers: new Headers({ Cookie: 'grafana_session=abc', 'X-Vigil-Secret': 'forged', Accept: 'application/json' }),
    });
    expect(decision.kind).toBe('forward');
    if (decision.kind !== 'forward') return;
    expect(decision.url).toBe('http://ingest:8080/api/v1/studies/3/participants?q=x');
    expect(decision.headers.get('x-vigil-secret')).toBe('s3cret');
    expect(decision.headers.get('cookie')).toBeNull();
    expect(decision.headers.get('accept')).toBe('application/json');
    expect(JSON.parse(decision.headers.get('x-grafana-context') ?? '{}')).toMatchObject({
      Login: 'viewer-user',
      OrgRole: 'Viewer',
      IsGrafanaAdmin: false,
    });
  });

  it('refuses a Viewer’s change at the first matching route, without falling through', () => {
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      expect(plan({ user: user('Viewer'), method })).toEqual({
        kind: 'reply',
        status: 403,
        body: { message: 'plugin proxy route access denied' },
      });
    }
    // Grafana server admins get no bypass: the org role decides.
    expect(plan({ user: user('Editor', true), method: 'POST' })).toMatchObject({ status: 403 });
    expect(plan({ user: user('Admin'), method: 'DELETE' })).toMatchObject({ kind: 'forward' });
    expect(plan({ user: user('None'), method: 'GET' })).toMatchObject({ status: 403 });
  });

  it('answers 404 when no route matches, or the app is not enabled', () => {
    expect(plan({ proxyPath: 'healthz' })).toEqual({
      kind: 'reply',
      status: 404,
      body: { message: 'plugin route match not found' },
    });
    expect(plan({ proxyPath: 'api/v1' })).toMatchObject({ status: 404 });
    expect(plan({ settings: { ...settings, enabled: false } })).toMatchObject({
      status: 404,
      body: { message: 'Plugin is not enabled' },
    });
    expect(plan({ settings: undefined })).toMatchObject({ status: 404 });
  });

  it('drops a trailing slash, and fails like Grafana when the ingest URL is not set', () => {
    const decision = plan({ proxyPath: 'api/v1/studies/' });
    expect(decision.kind === 'forward' && decision.url).toBe('http://ingest:8080/api/v1/studies');
    expect(plan({ settings: { ...settings, jsonData: {} } })).toMatchObject({ status: 502 });
  });

  it('tries routes in order and matches methods exactly', () => {
    const routes: ProxyRoute[] = [
      { path: 'api/*', method: 'POST', reqRole: 'Admin', url: 'http://a' },
      { path: 'api/*', url: 'http://b' },
    ];
    expect(planProxyRequest({ ...base, routes, method: 'POST' })).toMatchObject({ url: 'http://a/x' });
    expect(planProxyRequest({ ...base, routes, method: 'post' })).toMatchObject({ url: 'http://b/x' });
  });
});

const base = {
  settings,
  user: user('Admin'),
  method: 'GET',
  proxyPath: 'api/x',
  search: '',
  headers: new Headers(),
  routes: [] as ProxyRoute[],
};

describe('route path matching, templates and URL joining', () => {
  it('matches exact paths and trailing wildcards', () => {
    expect(matchPath('api/v1/*', 'api/v1/studies/1')).toBe('studies/1');
    expect(matchPath('api/v1/*', 'api/v2/studies')).toBeUndefined();
    expect(matchPath('api', 'api')).toBe('');
    expect(matchPath('api', 'api/x')).toBeUndefined();
    expect(() => matchPath('api/:id', 'api/1')).toThrow(/not supported/);
  });

  it('renders Go-template settings, with Go’s text for a missing key', () => {
    expect(interpolate('{{ .JsonData.ingestUrl }}/x', settings)).toBe('http://ingest:8080/x');
    expect(interpolate('{{.SecureJsonData.sharedSecret}}', settings)).toBe('s3cret');
    expect(interpolate('{{ .JsonData.nope }}', settings)).toBe('<no value>');
    expect(() => interpolate('{{ .Other }}', settings)).toThrow(/not supported/);
  });

  it('joins with one slash', () => {
    expect(joinUrlPath('/api/v1', 'studies')).toBe('/api/v1/studies');
    expect(joinUrlPath('/api/v1/', '/studies')).toBe('/api/v1/studies');
    expect(joinUrlPath('/api/v1', '')).toBe('/api/v1');
  });
});
