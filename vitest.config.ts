import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { GENEROUS_LIMITS } from './ingest/src/test/generous-limits.ts';

/**
 * Two kinds of test, named by suffix and kept beside the code:
 * `*.test.ts` does no I/O; `*.db.test.ts` talks to the real MariaDB (each file in its own database).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['ingest/src/**/*.test.ts', 'migrations/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.db.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'db',
          globalSetup: ['ingest/src/test/global-setup.ts'],
          // The rate limits still count in-process apps' requests, far beyond what a test sends.
          env: { ...GENEROUS_LIMITS },
          include: ['ingest/src/**/*.db.test.ts', 'migrations/src/**/*.db.test.ts', 'test/**/*.db.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The Grafana plugin's components, rendered in jsdom with Grafana's backend service faked.
        test: {
          name: 'plugin',
          environment: 'jsdom',
          include: ['grafana-plugin/src/**/*.test.{ts,tsx}', 'grafana-plugin/tests/harness/**/*.test.ts'],
          setupFiles: ['grafana-plugin/tests/setup-jsdom.ts'],
          // The plugin's projects run after the others: their CPU-heavy rendering and browser would
          // otherwise slow the timing-sensitive process tests of the ingest.
          sequence: { groupOrder: 1 },
          // Loading @grafana/ui dominates; files reset what they use (backend, role) in beforeEach.
          isolate: false,
          // A form of 100 fields renders in jsdom in a second or two on a quiet machine; a busy one
          // (other projects' MariaDB and browser) can take several times that.
          testTimeout: 20_000,
          // @grafana/ui imports CSS files (and @grafana/runtime imports @grafana/ui): through Vite they load, through Node not.
          server: { deps: { inline: [/@grafana\//] } },
        },
        // Grafana's page chrome is set through a setter @grafana/runtime exports only to Grafana itself.
        resolve: {
          alias: {
            'grafana-runtime-internal': fileURLToPath(
              new URL('node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs', import.meta.url)
            ),
          },
        },
      },
      {
        // The built plugin in Debian's chromium, through the harness's Grafana stand-in, against a real ingest.
        test: {
          name: 'plugin-e2e',
          globalSetup: ['grafana-plugin/tests/e2e/global-setup.ts'],
          include: ['grafana-plugin/tests/e2e/**/*.e2e.test.ts'],
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
