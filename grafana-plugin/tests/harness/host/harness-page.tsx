import React from 'react';
import type { NavModelItem } from '@grafana/data';
import type { PluginPageProps } from '@grafana/runtime';
import { Stack, TextLink } from '@grafana/ui';
import { harnessNavTitle } from './nav-title.ts';

/**
 * A stand-in for Grafana's page chrome around a plugin page: breadcrumbs from `pageNav`, the title,
 * info items and actions. Grafana draws these itself; without it they would not show at all.
 */
export function HarnessPage({ pageNav, subTitle, info, actions, children }: PluginPageProps) {
  const trail = breadcrumbs(pageNav);
  const title = pageNav?.text ?? harnessNavTitle();
  return (
    <div style={{ padding: 24 }} data-testid="harness-page">
      {trail.length > 1 && (
        <nav aria-label="Breadcrumbs" style={{ marginBottom: 8 }}>
          <Stack gap={1}>
            {trail.slice(0, -1).map((item) => (
              <span key={item.text}>{item.url ? <TextLink href={item.url}>{item.text}</TextLink> : item.text} ›</span>
            ))}
          </Stack>
        </nav>
      )}
      {(title || actions) && (
        <Stack justifyContent="space-between" alignItems="center">
          <h1>{title}</h1>
          {actions}
        </Stack>
      )}
      {subTitle && <p>{subTitle}</p>}
      {info && (
        <Stack gap={3}>
          {info.map((item) => (
            <span key={item.label}>
              <strong>{item.label}:</strong> {item.value}
            </span>
          ))}
        </Stack>
      )}
      <div style={{ marginTop: 16 }}>{children}</div>
    </div>
  );
}

function breadcrumbs(item: NavModelItem | undefined): NavModelItem[] {
  return item ? [...breadcrumbs(item.parentItem), item] : [];
}
