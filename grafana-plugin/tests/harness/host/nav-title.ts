import { PluginIncludeType, type AppPluginMeta } from '@grafana/data';

/**
 * Grafana titles an app's top-level pages from plugin.json's page includes; the harness's page
 * chrome uses the same rule when a page gives no pageNav of its own.
 */
let current: string | undefined;

export function setNavTitle(meta: AppPluginMeta, pathname: string): void {
  const pages = (meta.includes ?? []).filter((i) => i.type === PluginIncludeType.page && i.path);
  current = pages.find((i) => i.path?.replace('%PLUGIN_ID%', meta.id) === pathname.replace(/\/$/, ''))?.name;
}

export const harnessNavTitle = () => current;
