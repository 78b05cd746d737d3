import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { actorOf } from '../../app-env.ts';
import { recordAudit } from '../../audit/store.ts';
import { PayloadTooLargeError } from '../../errors.ts';
import { PROVIDER_IDS } from '../../providers/provider.ts';
import { vendorOf } from '../../vendors/registry.ts';
import type { NotificationRouting } from '../../vendors/vendor.ts';
import type { NotificationDeps } from './accept.ts';

export const notificationDeps = (deps: AppDeps): NotificationDeps => ({
  db: deps.db,
  log: deps.log,
  clock: deps.clock,
  settings: {
    replayWindowMs: deps.config.wearablePulls.notifications.replayWindowMs,
    backfillDays: deps.config.wearablePulls.backfillDays,
    minMinutes: deps.config.wearablePulls.minMinutes,
  },
});

function routing(deps: AppDeps, provider: string): NotificationRouting {
  return {
    deps,
    notified: notificationDeps(deps),
    limit: bodyLimit({
      maxSize: deps.config.bodies.unauthenticatedMaxBytes,
      onError: () => {
        throw new PayloadTooLargeError(`request body over ${deps.config.bodies.unauthenticatedMaxBytes} bytes`);
      },
    }),
    audit: (c: Context<AppEnv>, action: string, after: unknown) => {
      const actor = actorOf(c);
      return recordAudit(deps.db, deps.clock(), {
        caller: actor.caller,
        requestId: actor.requestId,
        action: `wearables.notifications.${action}`,
        target: { type: 'provider', id: provider },
        before: null,
        after,
      });
    },
  };
}

/**
 * The vendors' notification endpoints (each vendor's `notifications.routes`), public beside the
 * OAuth callbacks (the proxy routes `/oauth/*` to the ingest). Each answers at once: a notification
 * only enqueues a pull (Withings counts an answer after 2 s as a failure). A notification that
 * cannot prove where it came from is refused (401/403) before its body is read; an authentic one
 * about no active connection, or one seen before, is answered as received (the vendor must not
 * retry it) and dropped with a log line.
 */
export function notificationPublicRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const id of PROVIDER_IDS) {
    const notifications = vendorOf(id).notifications;
    if (notifications) app.route('/', notifications.routes(routing(deps, id)));
  }
  return app;
}

/** Setting up the registrations that cover every connection of a vendor (Polar's webhook, Google's subscriber). */
export function notificationAdminRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const id of PROVIDER_IDS) {
    const admin = vendorOf(id).notifications?.adminRoutes;
    if (admin) app.route('/', admin(routing(deps, id)));
  }
  return app;
}
