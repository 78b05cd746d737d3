import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildHost } from '../harness/build-host.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pluginHarness: { distDir: string; hostBundle: string; chromium: string };
  }
}

const pluginDir = join(import.meta.dirname, '..', '..');
/** Debian's chromium package; the tests never download a browser. */
const CHROMIUM = '/usr/bin/chromium';

/**
 * Once per run: build the plugin exactly as `npm run build -w grafana-plugin` does (the tests load
 * that dist/, never a stale one) and bundle the harness's host page, side by side.
 */
export default async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const hostBundle = join(pluginDir, 'node_modules', '.cache', 'vigil-harness', 'host.js');
  await Promise.all([buildPlugin(), buildHost(hostBundle)]);
  project.provide('pluginHarness', { distDir: join(pluginDir, 'dist'), hostBundle, chromium: CHROMIUM });
}

function buildPlugin(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'build'], { cwd: pluginDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run build -w grafana-plugin failed (${code}):\n${output}`))
    );
  });
}
