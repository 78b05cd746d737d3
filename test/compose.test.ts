import type { SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig } from '../ingest/src/config.ts';
import { repoRoot as root, runTool, scratchDir, yamlToJson } from './tools.ts';

/**
 * docker-compose.yml as docker-compose (v1, Debian's package; no Docker engine needed) resolves it,
 * turned into JSON by the YAML library that package depends on; the Grafana provisioning files; and
 * the ingest's Dockerfile as text.
 */

const scratch = scratchDir();
const emptyEnvFile = join(scratch.path, 'empty.env');
writeFileSync(emptyEnvFile, '');
afterAll(scratch.remove);

/** Shaped like real values, so the ingest's environment can go through its own config schema. */
const requiredEnv: Record<string, string> = {
  MARIADB_ROOT_PASSWORD: 'root-password',
  VIGIL_DB_PASSWORD: 'ingest-db-password',
  VIGIL_GRAFANA_DB_PASSWORD: 'grafana-db-password',
  VIGIL_MASTER_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  VIGIL_ADMIN_SECRET: 'a'.repeat(64),
  GRAFANA_ADMIN_PASSWORD: 'grafana-admin-password',
  GRAFANA_SECRET_KEY: 'grafana-secret-key',
};

/** The empty env file keeps a developer's .env beside the compose file out of these runs. */
function compose(env: Record<string, string>, ...args: string[]): SpawnSyncReturns<string> {
  return composeFiles(['docker-compose.yml'], env, ...args);
}

function composeFiles(files: string[], env: Record<string, string>, ...args: string[]): SpawnSyncReturns<string> {
  const composeArgs = ['--env-file', emptyEnvFile, ...files.flatMap((f) => ['-f', f]), 'config', ...args];
  return runTool('docker-compose', composeArgs, { aptPackage: 'docker-compose', home: scratch.path, env });
}

const parseYaml = <T>(yaml: string) => yamlToJson<T>(yaml, scratch.path);

type Volume = string | { type?: string; source?: string; target: string };
type Port = string | { published: number | string; target: number; protocol?: string };
type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | null>;
  ports?: Port[];
  volumes?: Volume[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
};
type ComposeConfig = { services: Record<string, Service>; volumes: Record<string, unknown> };

/** Every VIGIL_ARCHIVE_S3_* setting, each away from its default, and what the ingest makes of them. */
const s3Env: Record<string, string> = {
  VIGIL_ARCHIVE_S3_BUCKET: 'vigil-archive',
  VIGIL_ARCHIVE_S3_PREFIX: 'site-a/raw',
  VIGIL_ARCHIVE_S3_ENDPOINT: 'https://s3.example.org',
  VIGIL_ARCHIVE_S3_REGION: 'eu-central-1',
  VIGIL_ARCHIVE_S3_ACCESS_KEY_ID: 'access-key-id',
  VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY: 'secret-access-key',
  VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
  VIGIL_ARCHIVE_S3_REQUEST_TIMEOUT_MS: '5000',
};
const s3Config = {
  bucket: 'vigil-archive',
  prefix: 'site-a/raw',
  endpoint: 'https://s3.example.org',
  region: 'eu-central-1',
  credentials: { accessKeyId: 'access-key-id', secretAccessKey: 'secret-access-key' },
  forcePathStyle: true,
  requestTimeoutMs: 5000,
};

function resolvedConfig(env: Record<string, string>): ComposeConfig {
  const result = compose(env);
  if (result.status !== 0) throw new Error(`docker-compose config failed: ${result.stderr}`);
  return parseYaml<ComposeConfig>(result.stdout);
}

function mounts(service: Service) {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source ?? '', target: v.target, bind: v.type === 'bind' };
    const [source = '', target = ''] = v.split(':');
    return { source, target, bind: source.startsWith('/') };
  });
}

function portKeys(service: Service): string[] {
  return (service.ports ?? []).map((p) =>
    typeof p === 'string' ? p : `${p.published}:${p.target}/${p.protocol ?? 'tcp'}`
  );
}

function env(service: Service | undefined): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, v ?? undefined]));
}

describe('docker-compose.yml', { timeout: 60_000 }, () => {
  let config: ComposeConfig;
  beforeAll(() => {
    config = resolvedConfig(requiredEnv);
  }, 30_000);
  const service = (name: string): Service => config.services[name] ?? expect.fail(`no service ${name}`);

  it('validates with every required variable set', () => {
    const result = compose(requiredEnv, '-q');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(Object.keys(config.services).sort()).toEqual(['caddy', 'grafana', 'ingest', 'mariadb', 'prometheus']);
  });

  it.each(Object.keys(requiredEnv))('refuses to resolve without %s', (name) => {
    const rest = Object.fromEntries(Object.entries(requiredEnv).filter(([key]) => key !== name));
    const missing = compose(rest, '-q');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(`set ${name}`);
    expect(compose({ ...rest, [name]: '' }, '-q').status).not.toBe(0);
  });

  it('pins the images', () => {
    expect(service('mariadb').image).toBe('mariadb:10.11');
    expect(service('grafana').image).toBe('grafana/grafana:13.1.1');
    expect(service('caddy').image).toBe('caddy:2');
    expect(service('prometheus').image).toBe('prom/prometheus:v3.5.0');
    expect(service('ingest').build).toEqual({ context: root, dockerfile: 'ingest/Dockerfile' });
  });

  it('bind-mounts only paths that exist in the repository', () => {
    const binds = Object.values(config.services).flatMap((s) => mounts(s).filter((m) => m.bind));
    const sources = binds.map((m) => relative(root, m.source)).sort();
    expect(sources).toEqual(
      expect.arrayContaining([
        'dashboards',
        'deploy/Caddyfile',
        'deploy/mariadb-init',
        'deploy/prometheus.yml',
        'grafana-plugin/dist',
        'provisioning',
      ])
    );
    for (const source of sources) {
      // The plugin's dist/ is its build output; the plugin itself must be there.
      const expected = source === 'grafana-plugin/dist' ? 'grafana-plugin/package.json' : source;
      expect(existsSync(join(root, expected)), expected).toBe(true);
    }
  });

  it('gives every named volume a declaration', () => {
    const named = Object.values(config.services).flatMap((s) => mounts(s).filter((m) => !m.bind));
    for (const { source } of named) expect(Object.keys(config.volumes)).toContain(source);
    expect(mounts(service('ingest'))).toContainEqual({ source: 'ingest-data', target: '/data', bind: false });
  });

  it('publishes ports only from caddy', () => {
    const publishing = Object.entries(config.services).filter(([, s]) => (s.ports ?? []).length > 0);
    expect(publishing.map(([name]) => name)).toEqual(['caddy']);
    expect(portKeys(service('caddy')).sort()).toEqual(['443:443/tcp', '443:443/udp', '80:80/tcp']);
  });

  it('starts the ingest and grafana only on a healthy database, and probes the ingest on /readyz', () => {
    expect(service('mariadb').healthcheck?.test.join(' ')).toContain('healthcheck.sh --connect --innodb_initialized');
    expect(service('ingest').depends_on?.mariadb?.condition).toBe('service_healthy');
    expect(service('grafana').depends_on?.mariadb?.condition).toBe('service_healthy');
    expect(service('ingest').healthcheck?.test.join(' ')).toContain('http://127.0.0.1:8080/readyz');
  });

  it("gives the ingest an environment its own config schema accepts, matching the database's", () => {
    const ingest = loadConfig(env(config.services.ingest));
    const mariadb = env(config.services.mariadb);
    expect(ingest.env).toBe('production');
    expect(ingest.http.port).toBe(8080);
    expect(ingest.dataDir).toBe('/data');
    expect(ingest.db).toMatchObject({
      host: 'mariadb',
      port: 3306,
      user: mariadb.MARIADB_USER,
      password: mariadb.MARIADB_PASSWORD,
      database: mariadb.MARIADB_DATABASE,
    });
    expect(ingest.adminSecret).toBe(requiredEnv.VIGIL_ADMIN_SECRET);
  });

  it('serves the ingest metrics inside the network only, where deploy/prometheus.yml scrapes them', () => {
    const ingest = loadConfig(env(config.services.ingest));
    expect(ingest.metrics).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(ingest.roles).toEqual(['web', 'worker', 'scheduler']);
    type Scrape = { scrape_configs: { dns_sd_configs: { names: string[]; port: number }[] }[] };
    const prometheus = parseYaml<Scrape>(readFileSync(join(root, 'deploy/prometheus.yml'), 'utf8'));
    expect(prometheus.scrape_configs.flatMap((c) => c.dns_sd_configs)).toEqual([
      { names: ['ingest'], type: 'A', port: ingest.metrics.port, refresh_interval: '30s' },
    ]);
    expect(readFileSync(join(root, 'deploy/Caddyfile'), 'utf8')).not.toMatch(/9464|metrics/);
  });

  it('passes optional ingest settings through only when set', () => {
    expect(env(config.services.ingest).VIGIL_LOG_LEVEL).toBeUndefined();
    const withLevel = resolvedConfig({ ...requiredEnv, VIGIL_LOG_LEVEL: 'debug' });
    expect(loadConfig(env(withLevel.services.ingest)).logLevel).toBe('debug');
  });

  it("lets an operator set every ingest setting, except those the deployment fixes and the vendors' endpoints", () => {
    type Raw = { services: Record<string, { environment?: Record<string, unknown> }> };
    const raw = parseYaml<Raw>(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
    const listed = Object.keys(raw.services.ingest?.environment ?? {});
    const fixedByTheDeployment = [
      'VIGIL_HTTP_HOST', // every interface of the container, which only the compose network reaches
      'VIGIL_ARCHIVE_DIR', // the ingest-data volume, unless a bucket is set
      'VIGIL_UPLOAD_MAX_BYTES', // the Caddyfile's request_body limit: raised together there
      'VIGIL_SHUTDOWN_TIMEOUT_MS', // below stop_grace_period, which the image's shutdown relies on
    ];
    // The vendors' and Google's own endpoints: settings only so that tests can point at simulators.
    const vendorEndpoint = (key: string) =>
      /^VIGIL_(FITBIT|WITHINGS|POLAR)_\w+_URL$/.test(key) ||
      key === 'VIGIL_FCM_BASE_URL' ||
      key === 'VIGIL_GOOGLE_OAUTH_BASE_URL';
    const missing = CONFIG_KEYS.filter(
      (key) => !listed.includes(key) && !fixedByTheDeployment.includes(key) && !vendorEndpoint(key)
    );
    expect(missing).toEqual([]);
  });

  it('keeps the archive on the volume unless a bucket is set, and passes every S3 archive setting through', () => {
    expect(loadConfig(env(config.services.ingest)).uploads.archiveS3).toBeUndefined();
    const withBucket = resolvedConfig({ ...requiredEnv, ...s3Env });
    expect(loadConfig(env(withBucket.services.ingest)).uploads.archiveS3).toEqual(s3Config);
  });

  it('derives the public URLs of Grafana and the ingest from VIGIL_DOMAIN, localhost by default', () => {
    expect(env(config.services.grafana).GF_SERVER_ROOT_URL).toBe('https://localhost/');
    expect(env(config.services.caddy).VIGIL_DOMAIN).toBe('localhost');
    expect(loadConfig(env(config.services.ingest)).publicUrl).toBe('https://localhost');
    const custom = resolvedConfig({ ...requiredEnv, VIGIL_DOMAIN: 'vigil.example.org' });
    expect(env(custom.services.grafana).GF_SERVER_ROOT_URL).toBe('https://vigil.example.org/');
    expect(env(custom.services.caddy).VIGIL_DOMAIN).toBe('vigil.example.org');
    expect(loadConfig(env(custom.services.ingest)).publicUrl).toBe('https://vigil.example.org');
  });

  it('loads the unsigned plugin and gives Grafana every variable its provisioning files use', () => {
    const grafana = env(config.services.grafana);
    expect(grafana.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe('vigil-admin-app');
    expect(mounts(service('grafana')).map((m) => m.target)).toContain('/var/lib/grafana/plugins/vigil-admin-app');
    const files = readdirSync(join(root, 'provisioning'), { recursive: true, encoding: 'utf8' });
    const yamlFiles = files.filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
    expect(yamlFiles.length).toBeGreaterThan(0);
    for (const file of yamlFiles) {
      const text = readFileSync(join(root, 'provisioning', file), 'utf8').replaceAll('$$', '');
      for (const [, name] of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
        expect(grafana[name ?? ''], `${name} (used in provisioning/${file})`).toBeTruthy();
      }
    }
  });
});

describe('docker-compose.scale.yml', { timeout: 60_000 }, () => {
  const files = ['docker-compose.yml', 'docker-compose.scale.yml'];
  let config: ComposeConfig;
  beforeAll(() => {
    const result = composeFiles(files, requiredEnv);
    if (result.status !== 0) throw new Error(`docker-compose config failed: ${result.stderr}`);
    config = parseYaml<ComposeConfig>(result.stdout);
  }, 30_000);

  it('validates, and splits web processes from workers that run the scheduler', () => {
    expect(composeFiles(files, requiredEnv, '-q').status).toBe(0);
    expect(loadConfig(env(config.services.ingest)).roles).toEqual(['web']);
    expect(loadConfig(env(config.services['ingest-worker'])).roles).toEqual(['worker', 'scheduler']);
    expect(config.services['ingest-worker']?.ports ?? []).toEqual([]);
  });

  const withoutRoles = (e: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'VIGIL_ROLES'));

  it('gives the workers the web processes’ settings but for their roles, and the same archive volume', () => {
    const web = withoutRoles(env(config.services.ingest));
    const worker = withoutRoles(env(config.services['ingest-worker']));
    expect(worker).toEqual(web);
    expect(mounts(config.services['ingest-worker']!)).toContainEqual({
      source: 'ingest-data',
      target: '/data',
      bind: false,
    });
  });

  it('points web processes and workers at the same bucket when one is set', () => {
    const result = composeFiles(files, { ...requiredEnv, ...s3Env });
    expect(result.status).toBe(0);
    const withBucket = parseYaml<ComposeConfig>(result.stdout);
    expect(loadConfig(env(withBucket.services.ingest)).uploads.archiveS3).toEqual(s3Config);
    expect(loadConfig(env(withBucket.services['ingest-worker'])).uploads.archiveS3).toEqual(s3Config);
  });

  it('scrapes both services', () => {
    const prometheus = mounts(config.services.prometheus!).find((m) => m.target === '/etc/prometheus/prometheus.yml');
    expect(relative(root, prometheus?.source ?? '')).toBe('deploy/prometheus.scale.yml');
    type Scrape = { scrape_configs: { dns_sd_configs: { names: string[] }[] }[] };
    const file = parseYaml<Scrape>(readFileSync(join(root, 'deploy/prometheus.scale.yml'), 'utf8'));
    expect(file.scrape_configs[0]?.dns_sd_configs[0]?.names).toEqual(['ingest', 'ingest-worker']);
  });
});

describe('Grafana provisioning', () => {
  type Apps = { apps: { type: string; disabled: boolean; jsonData: object; secureJsonData: object }[] };
  type Providers = { providers: { type: string; options: { path: string; foldersFromFilesStructure: boolean } }[] };

  it('enables the admin app with the ingest URL and the shared secret from the environment', () => {
    const file = parseYaml<Apps & { apiVersion: number }>(
      readFileSync(join(root, 'provisioning/plugins/vigil-admin-app.yaml'), 'utf8')
    );
    expect(file.apiVersion).toBe(1);
    expect(file.apps).toEqual([
      {
        type: 'vigil-admin-app',
        org_id: 1,
        disabled: false,
        jsonData: { ingestUrl: 'http://ingest:8080' },
        secureJsonData: { sharedSecret: '$VIGIL_ADMIN_SECRET' },
      },
    ]);
  });

  it('reads dashboards from the mounted dashboards folder, sub-folders as Grafana folders', () => {
    const file = parseYaml<Providers>(readFileSync(join(root, 'provisioning/dashboards/vigil.yaml'), 'utf8'));
    expect(file.providers).toHaveLength(1);
    expect(file.providers[0]).toMatchObject({
      type: 'file',
      folder: '',
      options: { path: '/var/lib/grafana/dashboards', foldersFromFilesStructure: true },
    });
  });
});

describe('ingest/Dockerfile', () => {
  const text = readFileSync(join(root, 'ingest/Dockerfile'), 'utf8');
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const named = (keyword: string) => instructions.filter((line) => line.startsWith(`${keyword} `));

  it('builds on Node 22 and installs only the ingest and migrations production dependencies', () => {
    expect(named('FROM').length).toBeGreaterThanOrEqual(2);
    for (const from of named('FROM')) expect(from).toMatch(/^FROM node:22-bookworm-slim\b/);
    const install = named('RUN').find((line) => line.includes('npm ci')) ?? expect.fail('no npm ci');
    expect(install).toContain('--omit=dev');
    expect(install).toContain('--workspace ingest');
    expect(install).toContain('--workspace migrations');
  });

  it('copies only files that exist in the build context', () => {
    for (const copy of named('COPY').filter((line) => !line.includes('--from='))) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
    }
  });

  it('runs the ingest as the non-root node user, with a /readyz health check', () => {
    const users = named('USER');
    expect(users.at(-1)).toBe('USER node');
    expect(instructions.indexOf(users.at(-1) ?? '')).toBeLessThan(instructions.findIndex((l) => l.startsWith('CMD ')));
    expect(named('CMD')).toEqual(['CMD ["node", "--import", "tsx", "src/main.ts"]']);
    expect(named('HEALTHCHECK')[0]).toContain('/readyz');
    expect(named('EXPOSE')).toEqual(['EXPOSE 8080']);
    expect(named('STOPSIGNAL')).toEqual(['STOPSIGNAL SIGTERM']);
    expect(text).toMatch(/chown node:node \/data/);
  });

  it('keeps dependencies, data and secrets out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['**/node_modules', '**/data', '**/dist', '.git', '.env', '**/*.test.ts']) {
      expect(ignored).toContain(pattern);
    }
  });
});
