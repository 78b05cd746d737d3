import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Outside production a missing secret is generated once into the data directory, so a local run
 * needs no set-up and keeps working across restarts. Concurrent first starts are safe: the file is
 * created exclusively and a loser reads the winner's value.
 */
export async function loadOrCreateDevSecret(
  dataDir: string,
  fileName: string,
  generate: () => string
): Promise<{ value: string; path: string; created: boolean }> {
  const path = join(dataDir, fileName);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    const value = generate();
    await writeFile(path, `${value}\n`, { flag: 'wx', mode: 0o600 });
    return { value, path, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { value: (await readFile(path, 'utf8')).trim(), path, created: false };
  }
}

export const generateMasterKey = () => `dev:${randomBytes(32).toString('base64')}`;
export const generateAdminSecret = () => randomBytes(32).toString('hex');
