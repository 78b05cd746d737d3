import type { Context, Next } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { ForbiddenError } from '../../errors.ts';
import { validate } from '../../validate.ts';
import { acceptNotification } from '../../wearables/notifications/accept.ts';
import { findChannel, sameSecret } from '../../wearables/notifications/channels.ts';
import type { NotificationRouting } from '../vendor.ts';
import { WithingsNotification, withingsCallbackPath, withingsIdentity } from './notifications.ts';

/** Withings' notification endpoint: the callback URL it was given, with its secret path part. */
export function withingsNotificationRoutes({ deps, notified, limit }: NotificationRouting) {
  const withingsSecret = async (c: Context<AppEnv>, next: Next) => {
    const channel = await findChannel(deps.db, deps.vault, 'withings');
    if (!channel || !sameSecret(c.req.param('secret') ?? '', channel.secret)) {
      deps.log.warn({ requestId: c.get('requestId') }, 'withings notification refused: not our callback URL');
      throw new ForbiddenError('not a notification URL Vigil registered');
    }
    await next();
  };

  return (
    new Hono<AppEnv>()
      // Whether Withings probes the URL is not stated (§4.5): HEAD and GET are answered 200 too.
      .on(['GET', 'HEAD'], `${withingsCallbackPath}/:secret`, withingsSecret, (c) => c.body(null, 200))
      .post(
        `${withingsCallbackPath}/:secret`,
        withingsSecret,
        limit,
        validate('form', WithingsNotification),
        async (c) => {
          const n = c.req.valid('form');
          await acceptNotification(notified, {
            provider: 'withings',
            externalUserId: n.userid,
            identity: withingsIdentity(n),
            about: { appli: Number(n.appli), startdate: n.startdate, enddate: n.enddate, action: n.action },
            requestId: c.get('requestId'),
          });
          return c.body(null, 200);
        }
      )
  );
}
