import React, { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Navigate, Route, Router, Routes, useParams, type Location, type Navigator } from 'react-router';
import { PluginContextProvider, type AppPlugin, type AppPluginMeta } from '@grafana/data';
import { initPluginTranslations } from '@grafana/i18n';
import { config, locationService, setBackendSrv } from '@grafana/runtime';
import { Alert, GlobalStyles, PortalContainer, ThemeContext } from '@grafana/ui';
import { setPluginPage } from 'grafana-runtime-internal';
import { harnessBackendSrv } from './backend-srv.ts';
import { HarnessPage } from './harness-page.tsx';
import { setNavTitle } from './nav-title.ts';
import { registerSharedModules } from './shared-modules.ts';

/**
 * The browser side of the harness: a minimal Grafana that loads the built plugin's module.js with
 * SystemJS (specs/grafana.md, appendix), mounts its root page under /a/<id>/ and its config page
 * under /plugins/<id>, the way Grafana's app root page and plugin details page do.
 */
setPluginPage(HarnessPage);
setBackendSrv(harnessBackendSrv);
registerSharedModules(window.System);
void initPluginTranslations('grafana');

type Loaded = { plugin: AppPlugin; meta: AppPluginMeta };

/**
 * Grafana's locationService wraps a history v4 browser history (the `history` package ships no
 * types); react-router v6 takes it as its navigator, as Grafana's own router does.
 */
type BrowserHistory = Navigator & { location: Location; listen(listener: (location: Location) => void): () => void };
const browserHistory = () => locationService.getHistory() as unknown as BrowserHistory;

async function loadApp(pluginId: string): Promise<Loaded> {
  const meta = (await (await fetch(`/api/plugins/${pluginId}/settings`)).json()) as AppPluginMeta;
  const { plugin } = (await window.System.import(`/public/plugins/${pluginId}/module.js`)) as { plugin: AppPlugin };
  // As Grafana's importer does before the first render.
  plugin.meta = meta;
  plugin.init(meta);
  return { plugin, meta };
}

function useApp(pluginId: string) {
  const [state, setState] = useState<Loaded | Error | null>(null);
  useEffect(() => {
    loadApp(pluginId).then(setState, (err: unknown) => setState(err instanceof Error ? err : new Error(String(err))));
  }, [pluginId]);
  return state;
}

function AppRootPage() {
  const pluginId = useParams().pluginId ?? '';
  const app = useApp(pluginId);
  if (app instanceof Error) return <Alert title="The plugin failed to load">{app.message}</Alert>;
  if (!app?.plugin.root) return null;
  const Root = app.plugin.root;
  const location = browserHistory().location;
  setNavTitle(app.meta, location.pathname);
  return (
    <PluginContextProvider meta={app.meta}>
      <Root
        meta={app.meta}
        basename={`/a/${pluginId}`}
        query={locationService.getSearchObject()}
        path={location.pathname}
        onNavChanged={() => undefined}
      />
    </PluginContextProvider>
  );
}

function PluginConfigPage() {
  const pluginId = useParams().pluginId ?? '';
  const app = useApp(pluginId);
  if (app instanceof Error) return <Alert title="The plugin failed to load">{app.message}</Alert>;
  if (!app) return null;
  return (
    <PluginContextProvider meta={app.meta}>
      <HarnessPage pageNav={{ text: app.meta.name }}>
        {app.plugin.configPages?.map((page) => (
          <page.body key={page.id} plugin={app.plugin} query={{}} />
        ))}
      </HarnessPage>
    </PluginContextProvider>
  );
}

/** Stands in for a dashboard: the harness has none, but a test can see which one a link opened. */
function DashboardStandIn() {
  const { uid } = useParams();
  return (
    <HarnessPage pageNav={{ text: `Dashboard ${uid}` }}>
      <p data-testid="harness-dashboard">
        Dashboard {uid} with {browserHistory().location.search}
      </p>
    </HarnessPage>
  );
}

function Shell() {
  const history = browserHistory();
  const [location, setLocation] = useState(history.location);
  useEffect(() => history.listen((next) => setLocation(next)), [history]);
  return (
    <ThemeContext.Provider value={config.theme2}>
      <GlobalStyles />
      <Router navigator={history} location={location}>
        <Routes>
          <Route path="/a/:pluginId/*" element={<AppRootPage />} />
          <Route path="/plugins/:pluginId" element={<PluginConfigPage />} />
          <Route path="/d/:uid" element={<DashboardStandIn />} />
          <Route path="*" element={<Navigate to="/a/vigil-admin-app/" replace />} />
        </Routes>
      </Router>
      <PortalContainer />
    </ThemeContext.Provider>
  );
}

// Grafana turns same-origin link clicks into in-app navigation instead of page loads.
document.addEventListener('click', (event) => {
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
    return;
  const href = anchor.getAttribute('href');
  if (!href || anchor.target === '_blank' || /^[a-z]+:/i.test(href)) return;
  event.preventDefault();
  const url = new URL(href, document.baseURI);
  locationService.push(url.pathname + url.search + url.hash);
});

createRoot(document.getElementById('reactRoot')!).render(<Shell />);
