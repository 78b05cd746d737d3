/**
 * Grafana's own bootstrap calls setPluginPage, which @grafana/runtime exports only to Grafana core;
 * the host bundle resolves this name to that file (build-host.ts).
 */
declare module 'grafana-runtime-internal' {
  import type { PluginPageType } from '@grafana/runtime';
  export function setPluginPage(component: PluginPageType): void;
}
