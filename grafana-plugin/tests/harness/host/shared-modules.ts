import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaI18n from '@grafana/i18n';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as i18next from 'i18next';
import * as lodash from 'lodash';
import * as moment from 'moment';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as reactRouter from 'react-router';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';

type SystemJS = {
  set(id: string, ns: object): void;
  addImportMap(map: { imports: Record<string, string> }): void;
  import(url: string): Promise<Record<string, unknown>>;
};

declare global {
  interface Window {
    System: SystemJS;
  }
}

/**
 * The packages Grafana lends to plugins (specs/grafana.md §1.3 and the create-plugin externals).
 * A plugin importing anything else as an external fails with "Unable to resolve bare specifier",
 * as it would in Grafana.
 */
const shared: Record<string, object> = {
  react: React,
  'react/jsx-runtime': jsxRuntime,
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  'react-router': reactRouter,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/i18n': grafanaI18n,
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  rxjs,
  'rxjs/operators': rxjsOperators,
  lodash,
  moment,
  i18next,
};

/**
 * `System.set` takes only URL-like ids, so each package is set as `host:<name>` and an import map
 * sends the bare name there. `System.set` snapshots the namespace: anything the host changes in a
 * shared package (setPluginPage, setBackendSrv) must happen before this runs.
 */
export function registerSharedModules(system: SystemJS): void {
  const imports: Record<string, string> = {};
  for (const [name, ns] of Object.entries(shared)) {
    system.set(`host:${name}`, ns);
    imports[name] = `host:${name}`;
  }
  system.addImportMap({ imports });
}
