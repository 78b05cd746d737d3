import knex from 'knex';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../app.ts';
import { createLocalArchiveStore } from '../../archive/local-store.ts';
import { loadConfig } from '../../config.ts';
import { testDeps, testVault } from '../../test/app-deps.ts';

/** `GET /download` touches no database: the app is built over a client that never connects. */
function appWith(apkUrl: string | undefined) {
  const config = loadConfig({ NODE_ENV: 'test', ...(apkUrl === undefined ? {} : { VIGIL_ANDROID_APK_URL: apkUrl }) });
  const db = knex({ client: 'mysql2', connection: { host: '127.0.0.1', port: 1, database: 'unused' } });
  return createApp(
    testDeps({
      db,
      clock: () => new Date(),
      vault: testVault(),
      archiveStore: createLocalArchiveStore('/nonexistent'),
      config,
    })
  );
}

describe('GET /download', () => {
  it('redirects to the configured APK with a fresh uniqueify query, as Beiwe does', async () => {
    const app = appWith('https://apps.example.org/beiwe/Beiwe-3.6.2.apk');
    const first = await app.request('/download');
    const second = await app.request('/download');
    expect(first.status).toBe(302);
    const location = new URL(first.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('https://apps.example.org/beiwe/Beiwe-3.6.2.apk');
    expect(location.searchParams.get('uniqueify')).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers.get('location')).not.toBe(first.headers.get('location'));
  });

  it('keeps a query the URL already has (Beiwe would append a second "?")', async () => {
    const res = await appWith('https://files.example.org/get?id=beiwe').request('/download');
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('id')).toBe('beiwe');
    expect(location.searchParams.get('uniqueify')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 404 with the reason when no APK is configured', async () => {
    const res = await appWith(undefined).request('/download');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        code: 'NOT_FOUND',
        message: 'this server offers no Android app download (VIGIL_ANDROID_APK_URL is not set)',
      },
    });
  });

  it('refuses a setting that is not an http(s) URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', VIGIL_ANDROID_APK_URL: 'ftp://example.org/app.apk' })).toThrow(
      /VIGIL_ANDROID_APK_URL/
    );
  });

  it('is not served for POST (Beiwe routes GET only)', async () => {
    const res = await appWith('https://apps.example.org/app.apk').request('/download', { method: 'POST' });
    expect(res.status).toBe(404);
  });
});
