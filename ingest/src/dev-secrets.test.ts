import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMasterKeys } from './config.ts';
import { generateMasterKey, loadOrCreateDevSecret } from './dev-secrets.ts';

describe('loadOrCreateDevSecret', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates once, then keeps returning the same value; concurrent callers agree', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-secrets-'));
    const results = await Promise.all(
      Array.from({ length: 8 }, () => loadOrCreateDevSecret(dir, 'master.key', generateMasterKey))
    );
    expect(new Set(results.map((r) => r.value)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const again = await loadOrCreateDevSecret(dir, 'master.key', generateMasterKey);
    expect([again.created, again.value]).toEqual([false, results[0]?.value]);
    expect(await readdir(dir)).toEqual(['master.key']);
  });

  it('generates a master key that config accepts', () => {
    expect(parseMasterKeys(generateMasterKey())[0]?.key).toHaveLength(32);
  });
});
