import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

/**
 * The dist/ that `npm run build -w grafana-plugin` made for this run (global-setup.ts) is what
 * Grafana 13.1 loads from /var/lib/grafana/plugins/vigil-admin-app (specs/grafana.md §1.3, §2.1).
 */
const { distDir } = inject('pluginHarness');
const read = (file: string) => readFileSync(join(distDir, file), 'utf8');

/** What Grafana's SystemJS loader lends plugins (sharedDependencies.ts), plus AMD's `module`. */
const shared = new Set([
  'module',
  'react',
  'react/jsx-runtime',
  'react-dom',
  'react-router',
  'rxjs',
  'rxjs/operators',
  'lodash',
  'moment',
  'i18next',
  '@emotion/css',
  '@emotion/react',
  '@grafana/data',
  '@grafana/ui',
  '@grafana/runtime',
]);

describe('the built plugin', () => {
  it('has a plugin.json with its placeholders filled in', () => {
    const text = read('plugin.json');
    expect(text).not.toMatch(/%(VERSION|TODAY|PLUGIN_ID)%/);
    const json = JSON.parse(text) as { id: string; info: { version: string; updated: string }; buildMode: string };
    const pkg = JSON.parse(readFileSync(join(distDir, '..', 'package.json'), 'utf8')) as { version: string };
    expect(json.id).toBe('vigil-admin-app');
    expect(json.info.version).toBe(pkg.version);
    expect(json.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(json.buildMode).toBe('production');
    expect(readdirSync(distDir)).toEqual(expect.arrayContaining(['module.js', 'README.md', 'LICENSE', 'img']));
  });

  it('is an AMD module that asks Grafana only for packages Grafana shares', () => {
    const code = read('module.js');
    const deps = /define\((\[[^\]]*\])/.exec(code)?.[1];
    expect(deps, 'module.js starts with define([...])').toBeDefined();
    const names = JSON.parse(deps!) as string[];
    expect(names).toEqual(
      expect.arrayContaining(['@grafana/data', '@grafana/ui', '@grafana/runtime', 'react', 'module'])
    );
    for (const name of names) expect(shared, `${name} is not provided by Grafana`).toContain(name);
  });
});
