import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { test } from '../ingest/src/test/fixtures.ts';
import { repoRoot } from './tools.ts';

/** The path patterns of the Caddyfile's @ingest matcher: exact paths, or prefixes ending in `*`. */
function ingestPatterns(): string[] {
  const caddyfile = readFileSync(join(repoRoot, 'deploy/Caddyfile'), 'utf8');
  const block = /@ingest \{([\s\S]*?)\n\t\}/.exec(caddyfile)?.[1] ?? '';
  return [...block.matchAll(/^\s*path (.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
}

const matches = (pattern: string, path: string) =>
  pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;

/**
 * A public route the ingest serves but the proxy sends to Grafana is unreachable in a deployment,
 * and no in-process test notices: this ties the app's routes to deploy/Caddyfile. The phone's routes
 * (one sub-app under `/*`, each with its `/ios` forms) are listed in caddy.test.ts; the admin API and
 * the health checks stay off the public entry point on purpose.
 */
test('every public route of the ingest is sent to it by the Caddyfile', ({ app }) => {
  const patterns = ingestPatterns();
  expect(patterns.length).toBeGreaterThan(10);
  const publicPaths = [...new Set(app.routes.map((r) => r.path))].filter(
    (path) => path !== '/*' && !path.startsWith('/api/v1') && path !== '/healthz' && path !== '/readyz'
  );
  expect(publicPaths).toContain('/get-data/v2');
  const unrouted = publicPaths
    .map((path) => path.replace(/:[^/]+/g, 'x'))
    .filter((path) => !patterns.some((pattern) => matches(pattern, path)));
  expect(unrouted).toEqual([]);
});
