import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { bootData } from './boot-data.ts';
import { planProxyRequest, type AppSettings, type HarnessUser, type ProxyRoute } from './plugin-proxy.ts';

export type PluginJson = {
  id: string;
  name: string;
  type: string;
  info: unknown;
  includes?: unknown[];
  routes?: ProxyRoute[];
};

export type HarnessOptions = {
  /** The built plugin (its dist/), served where Grafana serves plugins. */
  distDir: string;
  /** The host bundle (build-host.ts) and SystemJS's dist folder. */
  hostBundle: string;
  systemJsDir: string;
  /** @grafana/ui's shipped icons, served where Grafana serves its own. */
  iconsDir: string;
  users: Record<string, HarnessUser>;
  defaultUser: string;
  settings: AppSettings;
};

export type LoggedRequest = { method: string; path: string; user: string; status: number; upstream?: string };

export type Harness = {
  url: string;
  requests: LoggedRequest[];
  settings: () => AppSettings;
  close: () => Promise<void>;
};

const USER_COOKIE = 'harness_user';
const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.md': 'text/markdown',
};

/**
 * Stands in for a Grafana server in front of the built plugin: the pages, plugin settings, the
 * static files, and the plugin proxy forwarding to the real ingest exactly as plugin.json's routes say.
 * The signed-in user is chosen by the `harness_user` cookie (or /__login/<user>).
 */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const pluginJson = JSON.parse(await readFile(join(options.distDir, 'plugin.json'), 'utf8')) as PluginJson;
  let settings = structuredClone(options.settings);
  const requests: LoggedRequest[] = [];
  const index = (user: HarnessUser, origin: string) => indexHtml(bootData(user, origin, pluginJson));

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { message: `harness: ${String(err)}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://harness');
    const userKey = cookie(req, USER_COOKIE) ?? options.defaultUser;
    const user = options.users[userKey];
    if (!user) return send(res, 401, { message: `harness: unknown user ${userKey}` });
    const path = url.pathname;
    const pluginBase = `/api/plugin-proxy/${pluginJson.id}`;

    if (path.startsWith('/__login/')) {
      const key = path.slice('/__login/'.length);
      res.writeHead(302, {
        'Set-Cookie': `${USER_COOKIE}=${key}; Path=/`,
        Location: url.searchParams.get('next') ?? '/',
      });
      return res.end();
    }
    if (path === '/__requests') return send(res, 200, requests);
    if (path === pluginBase || path.startsWith(`${pluginBase}/`)) {
      const proxyPath = decodeURIComponent(path.slice(pluginBase.length).replace(/^\//, ''));
      return proxy(req, res, user, userKey, proxyPath, url.search);
    }
    if (path === `/api/plugins/${pluginJson.id}/settings`) return pluginSettings(req, res, user);
    if (path.startsWith('/api/')) return send(res, 404, { message: 'Not found' });
    if (path.startsWith(`/public/plugins/${pluginJson.id}/`)) {
      return serveFile(res, options.distDir, path.slice(`/public/plugins/${pluginJson.id}/`.length));
    }
    if (path.startsWith('/public/build/img/icons/')) {
      return serveFile(res, options.iconsDir, path.slice('/public/build/img/icons/'.length));
    }
    if (path === '/harness/host.js') return serveFile(res, '/', options.hostBundle);
    if (path === '/harness/system.js') return serveFile(res, options.systemJsDir, 'system.js');
    if (path === '/harness/amd.js') return serveFile(res, options.systemJsDir, 'extras/amd.js');
    if (path.startsWith('/public/') || path.startsWith('/harness/')) return send(res, 404, { message: 'Not found' });
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(index(user, `http://${req.headers.host}`));
  }

  async function pluginSettings(req: IncomingMessage, res: ServerResponse, user: HarnessUser) {
    if (req.method === 'POST') {
      // POST /api/plugins/:id/settings is for org Admins; secrets not sent again are kept.
      if (user.orgRole !== 'Admin') return send(res, 403, { message: 'Permission denied' });
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Partial<AppSettings>;
      settings = {
        enabled: body.enabled ?? settings.enabled,
        pinned: body.pinned ?? settings.pinned,
        jsonData: body.jsonData ?? {},
        secureJsonData: { ...settings.secureJsonData, ...body.secureJsonData },
      };
      return send(res, 200, { message: 'Plugin settings updated' });
    }
    return send(res, 200, {
      ...pluginJson,
      enabled: settings.enabled,
      pinned: settings.pinned,
      jsonData: settings.jsonData,
      // Grafana never returns secrets, only whether each is set.
      secureJsonFields: Object.fromEntries(Object.keys(settings.secureJsonData).map((k) => [k, true])),
      baseUrl: `public/plugins/${pluginJson.id}`,
      module: `public/plugins/${pluginJson.id}/module.js`,
    });
  }

  async function proxy(
    req: IncomingMessage,
    res: ServerResponse,
    user: HarnessUser,
    userKey: string,
    proxyPath: string,
    search: string
  ) {
    const method = req.method ?? 'GET';
    const entry: LoggedRequest = { method, path: `/${proxyPath}${search}`, user: userKey, status: 0 };
    requests.push(entry);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const decision = planProxyRequest({
      routes: pluginJson.routes ?? [],
      settings,
      user,
      method,
      proxyPath,
      search,
      headers,
    });
    if (decision.kind === 'reply') {
      entry.status = decision.status;
      return send(res, decision.status, decision.body);
    }
    entry.upstream = decision.url;
    const body = method === 'GET' || method === 'HEAD' ? undefined : new Uint8Array(await readBody(req));
    let upstream: Response;
    try {
      upstream = await fetch(decision.url, { method, headers: decision.headers, body, redirect: 'manual' });
    } catch {
      // Go's ReverseProxy answers an unreachable upstream with an empty 502.
      entry.status = 502;
      res.writeHead(502);
      return res.end();
    }
    entry.status = upstream.status;
    const out: Record<string, string> = {};
    upstream.headers.forEach((value, key) => {
      if (!['set-cookie', 'content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(key))
        out[key] = value;
    });
    out['content-security-policy'] = 'sandbox';
    res.writeHead(upstream.status, out);
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    settings: () => settings,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function indexHtml(boot: unknown): string {
  // The boot data must exist before @grafana/runtime evaluates (its config is built then), and the
  // host bundle after SystemJS and its AMD extra.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<base href="/">
<title>Grafana (Vigil plugin harness)</title>
<script>window.grafanaBootData = ${JSON.stringify(boot).replace(/</g, '\\u003c')}; window.__grafana_public_path__ = '/public/';</script>
<script src="/harness/system.js"></script>
<script src="/harness/amd.js"></script>
<script src="/harness/host.js" defer></script>
</head>
<body><div id="reactRoot"></div></body>
</html>`;
}

async function serveFile(res: ServerResponse, root: string, relative: string) {
  const file = normalize(join(root, relative.split('?')[0] ?? ''));
  if (!file.startsWith(normalize(root))) return send(res, 403, { message: 'Forbidden' });
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return send(res, 404, { message: 'Not found' });
  res.writeHead(200, {
    'Content-Type': types[extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
  });
  createReadStream(file).pipe(res);
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
