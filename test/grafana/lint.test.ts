import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, scratchDir, yamlToJson } from '../tools.ts';
import {
  createMetrics,
  registerPushMetrics,
  watchEventLoop,
  watchQueue,
  watchQuotas,
} from '../../ingest/src/metrics/metrics.ts';
import { allPanels, loadDashboards } from './dashboards.ts';

/** Static checks of every dashboard against the provisioned datasource (spec grafana.md §3.3, §4.12 step 5). */
const scratch = scratchDir();
afterAll(scratch.remove);
const readDatasources = (file: string) =>
  yamlToJson<{ datasources: { uid: string; type: string; url: string; jsonData: { timezone?: string } }[] }>(
    readFileSync(join(repoRoot, 'provisioning/datasources', file), 'utf8'),
    scratch.path
  ).datasources;
const datasources = readDatasources('mysql.yaml');
const prometheus = readDatasources('prometheus.yaml');
const uids = new Set([...datasources, ...prometheus].map((d) => d.uid));

/** Every metric name the ingest registers (push counters included), as Prometheus exposes them. */
function ingestMetricNames(): Set<string> {
  const metrics = createMetrics();
  watchQueue(metrics, undefined as never, () => new Date());
  watchQuotas(metrics, { stats: () => ({}) } as never);
  watchEventLoop(metrics).stop();
  registerPushMetrics(metrics);
  const names = new Set<string>();
  for (const m of metrics.registry.getMetricsAsArray()) {
    names.add(m.name);
    for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
  }
  names.add('vigil_event_loop_lag_seconds');
  return names;
}
const metricNames = ingestMetricNames();
const dashboards = loadDashboards();
const GLOBALS = new Set([
  '__from',
  '__to',
  '__interval',
  '__interval_ms',
  '__range',
  '__range_s',
  '__range_ms',
  '__timezone',
]);

describe('provisioning and dashboards', () => {
  it('provisions one MySQL datasource in UTC', () => {
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ type: 'mysql', jsonData: { timezone: '+00:00' } });
  });

  it('provisions the Prometheus datasource the compose file runs', () => {
    expect(prometheus).toEqual([
      expect.objectContaining({ type: 'prometheus', uid: 'vigil-prometheus', url: 'http://prometheus:9090' }),
    ]);
  });

  it('gives every dashboard a unique uid matching its file name, and no numeric id', () => {
    const seen = dashboards.map((d) => d.dashboard.uid);
    expect(new Set(seen).size).toBe(seen.length);
    for (const { file, dashboard } of dashboards) {
      expect(file.replace(/^.*\//, '')).toBe(`${dashboard.uid}.json`);
      expect(dashboard.id ?? null).toBeNull();
    }
  });

  for (const { file, dashboard } of dashboards) {
    it(`${file}: datasources by provisioned uid, variables that exist, macros Grafana can parse`, () => {
      const text = JSON.stringify(dashboard);
      expect(text).not.toMatch(/\$\{DS_/);
      const variables = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
      const panelIds = allPanels(dashboard).map((p) => p.id);
      expect(new Set(panelIds).size).toBe(panelIds.length);
      const sqls = (dashboard.templating?.list ?? []).flatMap((v) =>
        v.type === 'query' ? [v.datasource?.uid, typeof v.query === 'string' ? v.query : (v.query?.rawSql ?? '')] : []
      );
      for (const panel of allPanels(dashboard)) {
        if (panel.type === 'row') continue;
        expect(uids, `${panel.title}: panel datasource`).toContain(panel.datasource?.uid);
        for (const target of panel.targets ?? []) {
          expect(uids, `${panel.title}: target datasource`).toContain(target.datasource?.uid);
          expect(target.datasource?.uid, `${panel.title}: one datasource per panel`).toBe(panel.datasource?.uid);
          if (panel.datasource?.type === 'prometheus') {
            // Only metrics the ingest exports, by the names it exports them under.
            const used = [...(target.expr ?? '').matchAll(/\b(vigil_\w+)/g)].map((m) => m[1]!);
            expect(used.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
            for (const name of used) expect(metricNames, `${panel.title}: ${name}`).toContain(name);
            continue;
          }
          expect(['table', 'time_series']).toContain(target.format);
          sqls.push(target.rawSql ?? '');
        }
        for (const [, name] of panel.title.matchAll(/\$\{?(\w+)/g)) {
          expect(variables.has(name!) || GLOBALS.has(name!), `${panel.title}: $${name}`).toBe(true);
        }
      }
      for (const sql of sqls) {
        if (sql === undefined) continue;
        for (const [, name] of sql.matchAll(/\$\{?(\w+)(?!\w*\()/g)) {
          expect(variables.has(name!) || GLOBALS.has(name!), `${sql}: $${name} is not a variable`).toBe(true);
        }
        for (const [, args] of sql.matchAll(/\$\w+\(([^)]*)\)/g)) expect(args).not.toMatch(/\(/);
      }
    });
  }
});
