/**
 * Grafana's plugin proxy (`/api/plugin-proxy/<id>/*`), as pkg/api/pluginproxy/pluginproxy.go and
 * pkg/api/plugin_proxy.go implement it (specs/grafana.md §2.3, §2.8): the decision part, with no I/O,
 * so it can be checked on its own. The harness server carries out what it decides.
 */

export type OrgRole = 'Admin' | 'Editor' | 'Viewer' | 'None';

export type ProxyRoute = {
  path: string;
  method?: string;
  reqRole?: string;
  reqAction?: string;
  url: string;
  headers?: { name: string; content: string }[];
  body?: unknown;
};

export type AppSettings = {
  enabled: boolean;
  pinned: boolean;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
};

export type HarnessUser = {
  id: number;
  login: string;
  name: string;
  email: string;
  orgRole: OrgRole;
  isGrafanaAdmin: boolean;
};

export type ProxyDecision =
  { kind: 'reply'; status: number; body: { message: string } } | { kind: 'forward'; url: string; headers: Headers };

const rank: Record<OrgRole, number> = { None: 0, Viewer: 1, Editor: 2, Admin: 3 };

/** Org-role inclusion (Admin ⊃ Editor ⊃ Viewer); a Grafana server admin gets no bypass here. */
export function hasRole(user: HarnessUser, required: string): boolean {
  if (!(required in rank)) return true; // Go's ReqRole.IsValid(): an unknown role is no check at all
  return rank[user.orgRole] >= rank[required as OrgRole];
}

/**
 * The route tree match Grafana uses since 9.1: `a/b` matches exactly that path; `a/b/*` matches
 * anything below it and captures the rest. Returns the captured remainder, or undefined.
 */
export function matchPath(routePath: string, proxyPath: string): string | undefined {
  const path = routePath.replace(/^\/+/, '');
  if (path.endsWith('/*')) {
    const prefix = path.slice(0, -1);
    return proxyPath.startsWith(prefix) ? proxyPath.slice(prefix.length) : undefined;
  }
  if (path.includes('*') || path.includes(':')) throw new Error(`harness: route path ${routePath} is not supported`);
  return proxyPath === path ? '' : undefined;
}

/**
 * The subset of Go's text/template Grafana's routes use: `{{ .JsonData.key }}` and
 * `{{ .SecureJsonData.key }}`. A missing key renders as `<no value>`, as Go does.
 */
export function interpolate(template: string, settings: AppSettings): string {
  return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const m = /^\.(JsonData|SecureJsonData)\.([A-Za-z0-9_]+)$/.exec(expr);
    if (!m) throw new Error(`harness: template {{ ${expr} }} is not supported`);
    const source = m[1] === 'JsonData' ? settings.jsonData : settings.secureJsonData;
    const value = source[m[2]!];
    if (value === undefined || value === null) return '<no value>';
    return typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
  });
}

/** util.JoinURLFragments: one slash between the route URL's path and the captured remainder. */
export function joinUrlPath(base: string, rest: string): string {
  if (rest === '') return base;
  const a = base.endsWith('/');
  const b = rest.startsWith('/');
  if (a && b) return base + rest.slice(1);
  if (!a && !b) return `${base}/${rest}`;
  return base + rest;
}

/** What Grafana marshals into X-Grafana-Context: the signed-in user (identity.Requester fields). */
export function grafanaContext(user: HarnessUser): string {
  return JSON.stringify({
    UserID: user.id,
    UserUID: `u${user.id}`,
    OrgID: 1,
    OrgName: 'Main Org.',
    OrgRole: user.orgRole,
    Login: user.login,
    Name: user.name,
    Email: user.email,
    IsGrafanaAdmin: user.isGrafanaAdmin,
    IsAnonymous: false,
    IsDisabled: false,
    IsServiceAccount: false,
    Teams: [],
  });
}

/** Request headers the proxy never passes on (cookies, forwarding and hop-by-hop headers, the caller's own auth). */
const dropped = [
  'cookie',
  'set-cookie',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'origin',
  'referer',
  'authorization',
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'upgrade',
  'content-length',
  'accept-encoding',
];

export function planProxyRequest(input: {
  routes: readonly ProxyRoute[];
  settings: AppSettings | undefined;
  user: HarnessUser;
  method: string;
  /** The request path after `/api/plugin-proxy/<id>/`, without the query. */
  proxyPath: string;
  search: string;
  headers: Headers;
}): ProxyDecision {
  const { routes, settings, user, method } = input;
  if (!settings) return reply(404, 'Plugin setting not found');
  if (!settings.enabled) return reply(404, 'Plugin is not enabled');
  // Without the pluginProxyPreserveTrailingSlash toggle the trailing slash is dropped.
  const proxyPath = input.proxyPath.replace(/\/+$/, '');

  for (const route of routes) {
    if (route.method && route.method !== '*' && route.method !== method) continue;
    const rest = matchPath(route.path, proxyPath);
    if (rest === undefined) continue;
    if (route.reqAction) throw new Error('harness: reqAction (RBAC) routes are not supported');
    if (route.reqRole && !hasRole(user, route.reqRole)) return reply(403, 'plugin proxy route access denied');

    const target = interpolate(route.url, settings);
    if (!/^https?:\/\/[^/]+/.test(target)) return reply(502, 'Bad Gateway');
    const url = new URL(target);
    url.pathname = joinUrlPath(url.pathname, rest);
    url.search = input.search;

    const headers = new Headers(input.headers);
    for (const name of dropped) headers.delete(name);
    headers.set('X-Grafana-Context', grafanaContext(user));
    for (const h of route.headers ?? []) headers.set(h.name, interpolate(h.content, settings));
    if (route.body !== undefined) throw new Error('harness: route bodies are not supported');
    return { kind: 'forward', url: url.toString(), headers };
  }
  return reply(404, 'plugin route match not found');
}

const reply = (status: number, message: string): ProxyDecision => ({ kind: 'reply', status, body: { message } });
