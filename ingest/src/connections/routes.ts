import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { NotFoundError } from '../errors.ts';
import { Id } from '../listing.ts';
import { findParticipant } from '../participants/store.ts';
import { providersFor } from '../providers/registry.ts';
import { validate } from '../validate.ts';
import { consentGaps } from './consent-gaps.ts';
import { connectionJson, linkJson } from './json.ts';
import { listLinks } from './link-store.ts';
import { createConnectLink } from './links.ts';
import { checkConnection, disconnectConnection, moveConnection } from './manage.ts';
import { ConnectionQuery, MoveConnection, NewConnectLink } from './schemas.ts';
import { findConnection, listConnections, withoutTokens } from './store.ts';

const ById = z.object({ id: Id });

/** The admin API for wearable connections: providers, connect links, connections. */
export function connectionRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const asJson = (connection: Parameters<typeof connectionJson>[0]) =>
    connectionJson(connection, { now: clock(), warningDays: config.syncAlerts.expiryWarningDays });
  const requireParticipant = async (id: number) => {
    const participant = await findParticipant(db, id);
    if (!participant) throw new NotFoundError(`participant ${id} does not exist`);
    return participant;
  };
  /** A listing's connections, each with the measurements its patient must consent to again. */
  const listedJson = async (items: Awaited<ReturnType<typeof listConnections>>['items']) => {
    const gaps = await consentGaps(db, items);
    return items.map((item) => ({ ...asJson(item), needsConsentFor: gaps.get(item.id) ?? [] }));
  };

  return new Hono<AppEnv>()
    .get('/providers', (c) => c.json({ items: providersFor(config.wearables).list() }))
    .get('/connections', validate('query', ConnectionQuery), async (c) => {
      const query = c.req.valid('query');
      const { items, total } = await listConnections(db, query);
      return c.json({ items: await listedJson(items), total, limit: query.limit, offset: query.offset });
    })
    .get('/connections/:id', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const record = await findConnection(db, id);
      if (!record) throw new NotFoundError(`connection ${id} does not exist`);
      return c.json(asJson(withoutTokens(record)));
    })
    .post('/connections/:id/disconnect', validate('param', ById), async (c) => {
      const result = await disconnectConnection(deps, c.req.valid('param').id, actorOf(c));
      return c.json({
        ...asJson(result.connection),
        revokedAtProvider: result.revokedAtProvider,
        revokeError: result.revokeError,
      });
    })
    .post('/connections/:id/move', validate('param', ById), validate('json', MoveConnection), async (c) => {
      const moved = await moveConnection(deps, c.req.valid('param').id, c.req.valid('json').participantId, actorOf(c));
      return c.json(asJson(moved));
    })
    .post('/connections/:id/check', validate('param', ById), async (c) => {
      const { ok, connection } = await checkConnection(deps, c.req.valid('param').id);
      return c.json({ ok, connection: asJson(connection) });
    })
    .get('/participants/:id/connections', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      await requireParticipant(id);
      const { items } = await listConnections(db, { participantId: id, limit: 200, offset: 0 });
      return c.json({ items: await listedJson(items) });
    })
    .get('/participants/:id/connect-links', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      await requireParticipant(id);
      const now = clock();
      return c.json({ items: (await listLinks(db, id)).map((link) => linkJson(link, now)) });
    })
    .post('/participants/:id/connect-links', validate('param', ById), validate('json', NewConnectLink), async (c) => {
      const link = await createConnectLink(
        deps,
        { participantId: c.req.valid('param').id, provider: c.req.valid('json').provider },
        actorOf(c)
      );
      return c.json(link, 201);
    });
}
