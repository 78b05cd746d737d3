import type { HarnessUser } from './plugin-proxy.ts';
import type { PluginJson } from './server.ts';

/**
 * The `window.grafanaBootData` @grafana/runtime builds its `config` from (appendix of
 * specs/grafana.md: the minimal shape that works), for the signed-in harness user.
 */
export function bootData(user: HarnessUser, origin: string, plugin: PluginJson) {
  return {
    settings: {
      appUrl: `${origin}/`,
      appSubUrl: '',
      buildInfo: { version: '13.1.1', commit: 'harness', env: 'production', edition: 'Open Source', latestVersion: '' },
      featureToggles: {},
      datasources: {},
      panels: {},
      apps: {
        [plugin.id]: { id: plugin.id, path: `public/plugins/${plugin.id}/module.js`, version: '', preload: false },
      },
      bootData: {},
    },
    user: {
      id: user.id,
      uid: `u${user.id}`,
      login: user.login,
      name: user.name,
      email: user.email,
      orgId: 1,
      orgName: 'Main Org.',
      orgRole: user.orgRole,
      isGrafanaAdmin: user.isGrafanaAdmin,
      isSignedIn: true,
      theme: 'dark',
      lightTheme: false,
      language: 'en-US',
      timezone: 'browser',
      weekStart: 'browser',
      permissions: {},
    },
    navTree: [],
    assets: { dark: '', light: '' },
  };
}
