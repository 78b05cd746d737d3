import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The deployment tests drive the real tools from Debian's packages (docker-compose, caddy, and the
 * python3-yaml that docker-compose depends on). A missing tool fails the run with the package to
 * install; skipping would let a broken deployment pass unnoticed.
 */

export const repoRoot = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

/** A temporary directory for one test file; `remove` belongs in its afterAll. */
export function scratchDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'vigil-deploy-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs a tool in the repository root with only PATH, HOME and `env` in its environment. */
export function runTool(
  command: string,
  args: readonly string[],
  options: { aptPackage: string; home: string; env?: Record<string, string>; input?: string }
) {
  const result = spawnSync(command, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.home, ...options.env },
    encoding: 'utf8',
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  if (result.error && 'code' in result.error && result.error.code === 'ENOENT') {
    throw new Error(`${command} is not installed: apt-get install ${options.aptPackage}`);
  }
  if (result.error) throw result.error;
  return result;
}

/**
 * Parses YAML with the library docker-compose itself uses, without adding an npm dependency. The
 * interpreter is the one Debian's docker-compose runs on, not whichever python3 comes first on PATH.
 */
export function yamlToJson<T>(yaml: string, home: string): T {
  const script = 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)';
  const aptPackage = 'docker-compose (it depends on python3-yaml)';
  const result = runTool('/usr/bin/python3', ['-c', script], { aptPackage, home, input: yaml });
  if (result.status !== 0) throw new Error(`could not parse YAML (needs ${aptPackage}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
