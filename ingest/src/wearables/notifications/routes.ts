import type { Context, Next } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { actorOf } from '../../app-env.ts';
import { recordAudit } from '../../audit/store.ts';
import {
  ForbiddenError,
  InvalidInputError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnavailableError,
} from '../../errors.ts';
import { validate } from '../../validate.ts';
import { acceptNotification, withinReplayWindow, type NotificationDeps } from './accept.ts';
import {
  ensureGoogleSubscriber,
  GoogleNotifications,
  googleEndpointPath,
  SubscriberRequest,
  Verification,
} from '../../vendors/fitbit/notifications.ts';
import {
  ensurePolarWebhook,
  PolarEvent,
  polarSignatureValid,
  polarWebhookPath,
} from '../../vendors/polar/notifications.ts';
import { findChannel, sameSecret } from './channels.ts';
import { createGoogleSignatureCheck, SIGNATURE_HEADERS } from '../../vendors/fitbit/notification-signature.ts';
import { WithingsNotification, withingsCallbackPath, withingsIdentity } from '../../vendors/withings/notifications.ts';

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

/**
 * The vendors' notification endpoints, public beside the OAuth callbacks (the proxy routes
 * `/oauth/*` to the ingest). Each answers at once: a notification only enqueues a pull (Withings
 * counts an answer after 2 s as a failure). A notification that cannot prove where it came from is
 * refused (401/403) before its body is read; an authentic one about no active connection, or one
 * seen before, is answered as received (the vendor must not retry it) and dropped with a log line.
 */
export function notificationPublicRoutes(deps: AppDeps) {
  const notified = notificationDeps(deps);
  const googleSignature = createGoogleSignatureCheck(deps.config.wearables.fitbit.webhookKeysUrl, deps.clock);
  const limit = bodyLimit({
    maxSize: deps.config.bodies.unauthenticatedMaxBytes,
    onError: () => {
      throw new PayloadTooLargeError(`request body over ${deps.config.bodies.unauthenticatedMaxBytes} bytes`);
    },
  });

  /** The secret path part of the callback URL Withings was given. */
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
      .post(polarWebhookPath, limit, async (c) => {
        const requestId = c.get('requestId');
        const raw = await c.req.text();
        const json = parseJson(raw);
        // The PING comes while the webhook is being created, before its secret is known: answered unverified (§5.4).
        if (isObject(json) && json.event === 'PING') return c.body(null, 200);
        const channel = await findChannel(deps.db, deps.vault, 'polar');
        const signature = c.req.header('polar-webhook-signature');
        if (!channel || signature === undefined || !polarSignatureValid(channel.secret, raw, signature)) {
          deps.log.warn({ requestId, signed: signature !== undefined }, 'polar notification refused: bad signature');
          throw new UnauthorizedError('Polar-Webhook-Signature missing or wrong');
        }
        const parsed = PolarEvent.safeParse(json);
        if (!parsed.success) throw fieldsError(parsed.error.issues);
        const event = parsed.data;
        if (event.event === 'PING') return c.body(null, 200);
        const about = { event: event.event, timestamp: event.timestamp, date: event.date, entity: event.entity_id };
        if (!withinReplayWindow(new Date(event.timestamp), deps.clock(), notified.settings.replayWindowMs)) {
          deps.log.warn({ requestId, provider: 'polar', outcome: 'stale', ...about }, 'vendor notification dropped');
          return c.body(null, 200);
        }
        await acceptNotification(notified, {
          provider: 'polar',
          externalUserId: String(event.user_id),
          identity: raw,
          about,
          requestId,
        });
        return c.body(null, 200);
      })
      .post(googleEndpointPath, limit, async (c) => {
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
      })
  );
}

/** Setting up the registrations that cover every connection of a vendor (Polar's webhook, Google's subscriber). */
export function notificationAdminRoutes(deps: AppDeps) {
  const audit = (c: Context<AppEnv>, action: string, provider: string, after: unknown) => {
    const actor = actorOf(c);
    return recordAudit(deps.db, deps.clock(), {
      caller: actor.caller,
      requestId: actor.requestId,
      action: `wearables.notifications.${action}`,
      target: { type: 'provider', id: provider },
      before: null,
      after,
    });
  };
  return new Hono<AppEnv>()
    .post('/wearables/notifications/polar/webhook', async (c) => {
      const webhook = await ensurePolarWebhook(deps);
      await audit(c, 'polar-webhook', 'polar', webhook);
      return c.json(webhook, webhook.created ? 201 : 200);
    })
    .post('/wearables/notifications/fitbit/subscriber', validate('json', SubscriberRequest), async (c) => {
      const subscriber = await ensureGoogleSubscriber(deps, c.req.valid('json'));
      await audit(c, 'google-subscriber', 'fitbit', subscriber);
      return c.json(subscriber, subscriber.created ? 201 : 200);
    });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function fieldsError(issues: readonly { path: readonly PropertyKey[]; message: string }[]): InvalidInputError {
  return InvalidInputError.fromFields(
    issues.map((i) => ({ field: i.path.length > 0 ? i.path.map(String).join('.') : 'body', message: i.message }))
  );
}
