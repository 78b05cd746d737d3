import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { UnauthorizedError, UnavailableError } from '../../errors.ts';
import { validate } from '../../validate.ts';
import { acceptNotification } from '../../wearables/notifications/accept.ts';
import { findChannel, sameSecret } from '../../wearables/notifications/channels.ts';
import { fieldsError, parseJson } from '../../wearables/notifications/parse.ts';
import type { NotificationRouting } from '../vendor.ts';
import { createGoogleSignatureCheck, SIGNATURE_HEADERS } from './notification-signature.ts';
import {
  ensureGoogleSubscriber,
  GoogleNotifications,
  googleEndpointPath,
  SubscriberRequest,
  Verification,
} from './notifications.ts';

/** Google Health's subscriber endpoint: the Authorization it was given, then Google's signature. */
export function googleNotificationRoutes({ deps, notified, limit }: NotificationRouting) {
  const googleSignature = createGoogleSignatureCheck(deps.config.wearables.fitbit.webhookKeysUrl, deps.clock);
  return new Hono<AppEnv>().post(googleEndpointPath, limit, async (c) => {
    const requestId = c.get('requestId');
    // The verification handshake's second request comes without it and must be refused (§10.3).
    const channel = await findChannel(deps.db, deps.vault, 'fitbit');
    const authorization = c.req.header('authorization');
    if (!channel || authorization === undefined || !sameSecret(authorization, channel.secret)) {
      deps.log.warn(
        { requestId, authorized: authorization !== undefined },
        'google health notification refused: Authorization missing or wrong'
      );
      throw new UnauthorizedError('Authorization missing or wrong');
    }
    const raw = await c.req.text();
    const json = parseJson(raw);
    // The handshake enqueues nothing: it is answered without the keyset, so setting up never depends on fetching it.
    if (Verification.safeParse(json).success) return c.body(null, 201);
    const signature = SIGNATURE_HEADERS.map((h) => c.req.header(h)).find((v) => v !== undefined);
    const checked = await googleSignature(raw, signature);
    if (checked === 'keys_unavailable') {
      throw new UnavailableError('the Google Health signing keys could not be fetched; try again later');
    }
    if (checked === 'invalid') {
      deps.log.warn(
        { requestId, signed: signature !== undefined },
        'google health notification refused: bad signature'
      );
      throw new UnauthorizedError('signature missing or wrong');
    }
    const parsed = GoogleNotifications.safeParse(json);
    if (!parsed.success) throw fieldsError(parsed.error.issues);
    for (const n of parsed.data) {
      await acceptNotification(notified, {
        provider: 'fitbit',
        externalUserId: n.data.healthUserId,
        // No id or send time in a notification (§10.5): the whole notification is what is seen again.
        identity: JSON.stringify(n),
        about: { dataType: n.data.dataType, operation: n.data.operation },
        requestId,
      });
    }
    return c.body(null, 204);
  });
}

/** Creating (or finding) the subscriber that covers every Google Health connection. */
export function googleNotificationAdminRoutes({ deps, audit }: NotificationRouting) {
  return new Hono<AppEnv>().post(
    '/wearables/notifications/fitbit/subscriber',
    validate('json', SubscriberRequest),
    async (c) => {
      const subscriber = await ensureGoogleSubscriber(deps, c.req.valid('json'));
      await audit(c, 'google-subscriber', subscriber);
      return c.json(subscriber, subscriber.created ? 201 : 200);
    }
  );
}
