import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { UnauthorizedError } from '../../errors.ts';
import { acceptNotification, withinReplayWindow } from '../../wearables/notifications/accept.ts';
import { findChannel } from '../../wearables/notifications/channels.ts';
import { fieldsError, isObject, parseJson } from '../../wearables/notifications/parse.ts';
import type { NotificationRouting } from '../vendor.ts';
import { ensurePolarWebhook, PolarEvent, polarSignatureValid, polarWebhookPath } from './notifications.ts';

/** Polar's webhook endpoint, its deliveries signed with the secret Polar gave when the webhook was created. */
export function polarNotificationRoutes({ deps, notified, limit }: NotificationRouting) {
  return new Hono<AppEnv>().post(polarWebhookPath, limit, async (c) => {
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
  });
}

/** Creating (or finding) the webhook that covers every Polar connection. */
export function polarNotificationAdminRoutes({ deps, audit }: NotificationRouting) {
  return new Hono<AppEnv>().post('/wearables/notifications/polar/webhook', async (c) => {
    const webhook = await ensurePolarWebhook(deps);
    await audit(c, 'polar-webhook', webhook);
    return c.json(webhook, webhook.created ? 201 : 200);
  });
}
