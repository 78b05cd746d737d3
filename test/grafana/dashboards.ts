import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../tools.ts';

/** The provisioned dashboards as the harness needs them: every panel's targets and every variable. */

export type Target = {
  refId: string;
  format?: string;
  rawSql?: string;
  /** PromQL, on the Prometheus data source's panels. */
  expr?: string;
  datasource?: { type?: string; uid?: string };
};
export type Panel = {
  id: number;
  type: string;
  title: string;
  interval?: string;
  maxDataPoints?: number;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
};
export type TemplateVariable = {
  type: string;
  name: string;
  query?: string | { rawSql?: string };
  datasource?: { type?: string; uid?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  current?: { value?: string | string[] };
  options?: { value: string }[];
};
export type Dashboard = {
  uid: string;
  title: string;
  id?: number | null;
  templating?: { list: TemplateVariable[] };
  panels: Panel[];
};

export const dashboardsDir = join(repoRoot, 'dashboards');

/** Every dashboard file under dashboards/ (one level of sub-folders, as the provider reads them). */
export function loadDashboards(): { file: string; dashboard: Dashboard }[] {
  const files = readdirSync(dashboardsDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
  return files.sort().map((file) => ({
    file,
    dashboard: JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as Dashboard,
  }));
}

/** Panels inside rows included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export function variableSql(variable: TemplateVariable): string | undefined {
  return typeof variable.query === 'string' ? variable.query : variable.query?.rawSql;
}
