import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pluginJson from './plugin.json';
import { PLUGIN_BASE_URL, ROUTES } from './constants.ts';

/**
 * plugin.json is what Grafana reads (specs/grafana.md §2): the id rule, the pages, and the proxy
 * routes whose order, methods and roles decide who may change what.
 */
const repoRoot = join(import.meta.dirname, '..', '..');

describe('plugin.json', () => {
  it('names an app with a valid id and the Grafana line it is built for', () => {
    expect(pluginJson.type).toBe('app');
    expect(pluginJson.id).toMatch(/^[0-9a-z]+-([0-9a-z]+-)?app$/);
    expect(pluginJson.id).toBe('vigil-admin-app');
    expect(pluginJson.dependencies.grafanaDependency).toBe('>=13.1.0');
    expect(pluginJson.info.keywords.length).toBeGreaterThan(0);
    expect(existsSync(join(import.meta.dirname, pluginJson.info.logos.small))).toBe(true);
  });

  it('lets GETs through for Viewers and everything else only for Admins, in that order', () => {
    const [read, write, ...rest] = pluginJson.routes;
    expect(rest).toEqual([]);
    expect(read).toMatchObject({ path: 'api/v1/*', method: 'GET', reqRole: 'Viewer' });
    expect(write).toMatchObject({ path: 'api/v1/*', method: '*', reqRole: 'Admin' });
  });

  it('sends every route to the configured ingest with the shared secret', () => {
    for (const route of pluginJson.routes) {
      expect(route.url).toBe('{{ .JsonData.ingestUrl }}/api/v1');
      expect(route.headers).toEqual([{ name: 'X-Vigil-Secret', content: '{{ .SecureJsonData.sharedSecret }}' }]);
      expect(route).not.toHaveProperty('body');
    }
  });

  it('uses the setting names provisioning gives the app', () => {
    const yaml = readFileSync(join(repoRoot, 'provisioning', 'plugins', 'vigil-admin-app.yaml'), 'utf8');
    expect(yaml).toMatch(/type: vigil-admin-app/);
    expect(yaml).toMatch(/jsonData:\s+ingestUrl:/);
    expect(yaml).toMatch(/secureJsonData:\s+sharedSecret:/);
  });

  it('links only to pages the app has, with Studies as the default', () => {
    const pages = pluginJson.includes.filter((i) => i.type === 'page');
    const appPaths = pages.map((p) => p.path).filter((p) => p.startsWith('/a/'));
    for (const path of appPaths) {
      const route = path.replace('/a/%PLUGIN_ID%/', '');
      expect(Object.values(ROUTES)).toContain(route);
    }
    expect(pages.find((p) => 'defaultNav' in p && p.defaultNav)?.path).toBe('/a/%PLUGIN_ID%/studies');
    expect(`${PLUGIN_BASE_URL}/${ROUTES.studies}`).toBe('/a/vigil-admin-app/studies');
  });

  it('includes only dashboards that exist', () => {
    for (const include of pluginJson.includes.filter((i) => i.type === 'dashboard')) {
      expect(existsSync(join(import.meta.dirname, include.path))).toBe(true);
    }
  });
});
