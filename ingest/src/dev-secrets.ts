import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Outside production a missing secret is generated once into the data directory, so a local run
 * needs no set-up and keeps working across restarts. Concurrent first starts agree on one value:
 * the secret is written in full to a private temp file and hard-linked into place, which fails if
 * another process got there first (no reader can see a half-written file).
 */
export async function loadOrCreateDevSecret(
  dataDir: string,
  fileName: string,
  generate: () => string
): Promise<{ value: string; path: string; created: boolean }> {
  const path = join(dataDir, fileName);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const tmp = join(dataDir, `.${fileName}.${randomBytes(6).toString('hex')}`);
  const value = generate();
  await writeFile(tmp, `${value}\n`, { mode: 0o600 });
  try {
    await link(tmp, path);
    return { value, path, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { value: (await readFile(path, 'utf8')).trim(), path, created: false };
  } finally {
    await rm(tmp, { force: true });
  }
}

export const generateMasterKey = () => `dev:${randomBytes(32).toString('base64')}`;
export const generateAdminSecret = () => randomBytes(32).toString('hex');
