import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const pkgDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/**
 * Bundles the harness's host page (host/host.tsx) for the browser: React and the real @grafana
 * packages, one copy each, which the host then lends to the plugin as Grafana does.
 */
export async function buildHost(outfile: string): Promise<void> {
  const runtimeDir = pkgDir('@grafana/runtime');
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'host', 'host.tsx')],
    outfile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    logLevel: 'error',
    define: {
      'process.env.NODE_ENV': '"production"',
      // SystemJS's AMD extra installs a global `define`; UMD files in the bundle (lodash…) would
      // register through it instead of returning their exports.
      define: 'undefined',
      global: 'globalThis',
    },
    metafile: true,
    loader: { '.css': 'empty', '.ttf': 'empty', '.woff': 'empty', '.woff2': 'empty', '.svg': 'empty', '.png': 'empty' },
    plugins: [
      {
        name: 'grafana-runtime-internal',
        setup(b) {
          b.onResolve({ filter: /^grafana-runtime-internal$/ }, () => ({
            path: join(runtimeDir, 'dist', 'esm', 'components', 'PluginPage.mjs'),
          }));
        },
      },
    ],
  });
  // Two copies of a shared package would mean two React trees or two emotion caches: refuse.
  // (@grafana/ui's own react-router-dom 5 keeps its react-router 5: Grafana ships that pair too.)
  const nested = Object.keys(result.metafile.inputs).filter(
    (input) =>
      /node_modules\/.+\/node_modules\/(react|react-dom|react-router|@emotion\/(css|react)|i18next|rxjs)\//.test(
        input
      ) && !input.includes('/react-router-dom/node_modules/react-router/')
  );
  if (nested.length > 0) {
    throw new Error(`harness host bundles a second copy of a shared package (run npm dedupe):\n${nested.join('\n')}`);
  }
}
