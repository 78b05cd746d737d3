import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runTool, scratchDir } from './tools.ts';
import { KEEP_ALIVE_TIMEOUT_MS } from '../ingest/src/http/keep-alive.ts';
import { freePort } from '../ingest/src/test/ports.ts';

/**
 * deploy/Caddyfile, checked three ways: its @ingest path list as text, its adapted JSON config, and
 * Caddy itself serving it (Debian's 2.6 for the image's caddy:2) in front of two stand-in upstreams
 * that report what reached them.
 */

const scratch = scratchDir();
afterAll(scratch.remove);

const caddyfile = readFileSync(join(repoRoot, 'deploy/Caddyfile'), 'utf8');

const phoneEndpoints = [
  'register_user',
  'set_password',
  'upload',
  'download_surveys',
  'get_latest_device_settings',
  'mobile-heartbeat',
  'set_fcm_token',
  'graph',
];
const researcherEndpoints = [
  'get-data/v1',
  'get-studies/v1',
  'get-participant-ids/v1',
  'get-users/v1',
  'get-study-settings/v1',
  'get-data/v2',
  'check-my-credentials/v1',
  'get-participant-table-data/v1',
  'get-participant-data-quantities/v1',
  'get-interventions/v1',
  'get-survey-history/v1',
  'get-summary-statistics/v1',
  'get-participant-upload-history/v1',
  'get-participant-heartbeat-history/v1',
  'get-participant-version-history/v1',
  'get-participant-device-status-history/v1',
  'get-participant-notification-history/v1',
  'get-participant-file-hashes/v1',
];
const phonePaths = phoneEndpoints.flatMap((e) => [`/${e}`, `/${e}/`, `/${e}/ios`, `/${e}/ios/`]);
const researcherPaths = researcherEndpoints.flatMap((e) => [`/${e}`, `/${e}/`]);
const apkPaths = ['/download', '/download/'];

type CaddyJson = Record<string, unknown>;

function adapt(env: Record<string, string> = {}): CaddyJson {
  const args = ['adapt', '--adapter', 'caddyfile', '--config', 'deploy/Caddyfile'];
  const result = runTool('caddy', args, { aptPackage: 'caddy', home: scratch.path, env });
  if (result.status !== 0) throw new Error(`caddy adapt failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as CaddyJson;
}

/** Every value stored under `key` anywhere in the adapted config. */
function collect(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((item) => collect(item, key));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) =>
    k === key ? [v, ...collect(v, key)] : collect(v, key)
  );
}

describe('deploy/Caddyfile as text', () => {
  it('is formatted as caddy fmt formats it', () => {
    const result = runTool('caddy', ['fmt', 'deploy/Caddyfile'], { aptPackage: 'caddy', home: scratch.path });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(caddyfile);
  });

  it('lists exactly the phone, OAuth/connect and researcher paths for the ingest, and no admin API', () => {
    const block = /@ingest \{\n([\s\S]*?)\n\t\}/.exec(caddyfile)?.[1] ?? expect.fail('no @ingest matcher');
    const paths = [...block.matchAll(/^\s*path (.+)$/gm)].flatMap(([, list]) => (list ?? '').split(/\s+/));
    expect(paths).toContain('/upload');
    expect(paths).toContain('/register_user/ios/');
    expect(paths.sort()).toEqual([...phonePaths, '/oauth/*', '/connect/*', ...researcherPaths, ...apkPaths].sort());
    expect(caddyfile).not.toContain('/api/v1');
  });
});

describe('deploy/Caddyfile adapted by caddy', () => {
  it('serves VIGIL_DOMAIN over HTTPS, localhost by default', () => {
    const config = adapt();
    expect(collect(config, 'listen')).toEqual([[':443']]);
    expect(collect(config, 'host')).toEqual([['localhost']]);
    expect(collect(adapt({ VIGIL_DOMAIN: 'vigil.example.org' }), 'host')).toEqual([['vigil.example.org']]);
  });

  it('proxies only to the ingest and grafana, and accepts request bodies of 128 MiB', () => {
    const config = adapt();
    expect(new Set(collect(config, 'dial'))).toEqual(new Set(['ingest:8080', 'grafana:3000']));
    expect(collect(config, 'max_size')).toEqual([128 * 1024 * 1024]);
    expect(JSON.stringify(config)).not.toContain('/api');
  });

  it('lets idle connections to the ingest go before the ingest closes them', () => {
    const idle = collect(adapt(), 'keep_alive').map((k) => (k as { idle_timeout?: number }).idle_timeout);
    // Caddy writes durations in nanoseconds.
    expect(idle).toHaveLength(1);
    expect(idle[0]! / 1e6).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS - 5_000);
  });
});

type Seen = { upstream: string; method: string; url: string; length: number; sha256: string };

function upstream(name: string): Promise<Server> {
  const server = createServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
    });
    req.on('end', () => {
      const seen: Seen = {
        upstream: name,
        method: req.method ?? '',
        url: req.url ?? '',
        length,
        sha256: hash.digest('hex'),
      };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(seen));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

describe('deploy/Caddyfile served by caddy', () => {
  let caddy: ChildProcess;
  let port = 0;
  const upstreams: Server[] = [];
  let caddyLog = '';

  beforeAll(async () => {
    const [ingest, grafana] = await Promise.all([upstream('ingest'), upstream('grafana')]);
    upstreams.push(ingest, grafana);
    port = await freePort();
    const config = JSON.stringify({ ...adapt({ VIGIL_DOMAIN: `http://127.0.0.1:${port}` }), admin: { disabled: true } })
      .replaceAll('"ingest:8080"', `"127.0.0.1:${portOf(ingest)}"`)
      .replaceAll('"grafana:3000"', `"127.0.0.1:${portOf(grafana)}"`);
    const configPath = join(scratch.path, 'caddy.json');
    writeFileSync(configPath, config);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: scratch.path,
      XDG_DATA_HOME: scratch.path,
      XDG_CONFIG_HOME: scratch.path,
    };
    caddy = spawn('caddy', ['run', '--config', configPath], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    caddy.stderr?.on('data', (chunk: Buffer) => (caddyLog += chunk.toString()));
    await waitForListener(port);
  }, 20_000);

  afterAll(async () => {
    if (caddy?.exitCode === null) {
      const exited = new Promise((resolve) => caddy.once('exit', resolve));
      caddy.kill('SIGTERM');
      await exited;
    }
    await Promise.all(upstreams.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function waitForListener(p: number) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (caddy.exitCode !== null || caddy.signalCode !== null) throw new Error(`caddy exited:\n${caddyLog}`);
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(p, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (open) return;
      if (Date.now() > deadline) throw new Error(`caddy did not listen on ${p}:\n${caddyLog}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends `path` byte for byte (no URL normalisation on the way) and returns what the upstream saw. */
  function send(method: string, path: string, body = Buffer.alloc(0)): Promise<Seen> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method, path, headers: { 'content-length': body.length } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () =>
            res.statusCode === 200 ? resolve(JSON.parse(text) as Seen) : reject(new Error(`${res.statusCode} ${text}`))
          );
        }
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('sends every phone, OAuth/connect/notification and researcher path to the ingest with its POST body intact', async () => {
    const body = Buffer.from('patient_id=p1&password=x&file_name=a.csv&file=AAAA:BBBB\n');
    const sha256 = createHash('sha256').update(body).digest('hex');
    const paths = [
      ...phonePaths,
      ...researcherPaths,
      ...apkPaths,
      '/oauth/fitbit/callback?code=c&state=s',
      '/connect/abc',
      // The vendors' notification endpoints
      '/oauth/notify/withings/s3cr3t',
      '/oauth/notify/polar',
      '/oauth/notify/fitbit',
    ];
    for (const path of paths) {
      expect(await send('POST', path, body), path).toEqual({
        upstream: 'ingest',
        method: 'POST',
        url: path,
        length: body.length,
        sha256,
      });
    }
  });

  it('collapses the doubled leading slash of a base URL typed with a trailing slash', async () => {
    expect(await send('POST', '//upload')).toMatchObject({ upstream: 'ingest', url: '/upload' });
    expect(await send('POST', '//register_user/ios/')).toMatchObject({
      upstream: 'ingest',
      url: '/register_user/ios/',
    });
    expect(await send('GET', '///get-data/v1/')).toMatchObject({ upstream: 'ingest', url: '/get-data/v1/' });
  });

  it('passes a large upload through unchanged', async () => {
    const body = randomBytes(8 * 1024 * 1024);
    const seen = await send('POST', '/upload/ios/', body);
    expect(seen).toMatchObject({
      upstream: 'ingest',
      length: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
  });

  it('sends everything else, the admin API and health endpoints included, to grafana', async () => {
    const paths = [
      '/',
      '/login',
      '/api/v1/studies',
      '//api/v1/studies',
      '/api/plugin-proxy/vigil-admin-app/api/v1/studies',
      '/healthz',
      '/readyz',
      '/uploads',
      '/upload/x',
      '/get-data/v3',
    ];
    for (const path of paths) expect(await send('GET', path), path).toMatchObject({ upstream: 'grafana', url: path });
  });
});
