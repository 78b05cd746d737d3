import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { NotFoundError } from '../../errors.ts';

/**
 * Beiwe's `GET /download` (`misc_download_endpoints.download_current`): no login, a redirect to the
 * Android APK with a fresh `uniqueify` query so browsers, which cache redirects, always follow the
 * current one. Beiwe's default is the Onnela lab's own build; Vigil has no default, so a server
 * sends participants to an app binary only when its operator has chosen one.
 */
export function apkDownloadRoutes(deps: AppDeps) {
  const url = deps.config.androidApkUrl;
  return new Hono<AppEnv>().get('/download', (c) => {
    if (url === undefined)
      throw new NotFoundError('this server offers no Android app download (VIGIL_ANDROID_APK_URL is not set)');
    const target = new URL(url);
    target.searchParams.set('uniqueify', randomUUID());
    return c.redirect(target.toString(), 302);
  });
}
