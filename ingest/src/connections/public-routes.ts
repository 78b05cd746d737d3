import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { completeConnect } from './callback.ts';
import { startConnect } from './links.ts';
import { resultPage, type Page } from './pages.ts';
import { clientAddress } from '../http/client-address.ts';
import type { Limits } from '../rate-limits/limits.ts';

/** What a wrong or made-up link token or OAuth state is answered: unknown (404) or not checkable (400). */
const GUESSES = new Set([400, 404]);

/**
 * What patients open, without any login: the connect link (`/connect/start?link=…`, which sends
 * them to the provider) and the OAuth callback (`/oauth/callback/<provider>`, which shows how it
 * went). Answers are HTML pages that are never cached and never leak a referrer.
 */
export function connectPublicRoutes(deps: AppDeps, limits: Limits) {
  const page = (c: Context<AppEnv>, p: Page) => {
    noStore(c);
    return c.html(p.html, p.status);
  };
  const guarded = async (c: Context<AppEnv>, run: () => Promise<Response>) => {
    try {
      // Link tokens and states are unguessable; the limits make trying them pointless too.
      const address = clientAddress(c, deps.config.rateLimits.trustProxy);
      const wait = await limits.request('public', address, 'connect');
      if (wait !== undefined) {
        c.header('Retry-After', String(wait));
        return page(c, resultPage('too_many_attempts'));
      }
      const response = await run();
      if (GUESSES.has(response.status)) await limits.failed('connect', address);
      return response;
    } catch (err) {
      deps.log.error({ requestId: c.get('requestId'), err }, 'connect page failed');
      return page(c, resultPage('internal_error'));
    }
  };

  return new Hono<AppEnv>()
    .get('/connect/start', (c) =>
      guarded(c, async () => {
        const result = await startConnect(deps, c.req.query('link'), c.get('requestId'));
        if ('page' in result) return page(c, result.page);
        noStore(c);
        return c.redirect(result.redirect.toString(), 302);
      })
    )
    .get('/oauth/callback/:provider', (c) =>
      guarded(c, async () =>
        page(
          c,
          await completeConnect(deps, c.req.param('provider'), new URL(c.req.url).searchParams, c.get('requestId'))
        )
      )
    );
}

function noStore(c: Context<AppEnv>) {
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
}
