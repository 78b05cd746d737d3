import './browser-gaps.ts';
import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { setPluginPage } from 'grafana-runtime-internal';
import { afterEach } from 'vitest';
import { HarnessPage } from './harness/host/harness-page.tsx';

// Grafana draws a page's title, info and actions around it; outside Grafana, PluginPage would drop
// them. The harness's stand-in draws them in component tests too.
setPluginPage(HarnessPage);

afterEach(() => {
  cleanup();
});
