import { Hono } from 'hono';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../../app-env.ts';
import { actorOf } from '../../app-env.ts';
import { recordAudit } from '../../audit/store.ts';
import { ConflictError, NotFoundError } from '../../errors.ts';
import { Id } from '../../listing.ts';
import { findParticipant } from '../../participants/store.ts';
import { validate } from '../../validate.ts';
import { beiweDeviceHash, generateTemporaryPassword, hashPassword } from '../protocol/passwords.ts';
import { findBeiweState, insertCredentials, prepareCredentials, updateCredentials } from './store.ts';

const ById = z.object({ id: Id });
const Tracking = z.strictObject({ enabled: z.boolean() });

/** `/participants/:id/beiwe…`: a participant's phone credentials, managed by admins. */
export function beiweCredentialRoutes({ db, vault, clock, config }: AppDeps) {
  const lockLive = async (trx: Knex, id: number) => {
    const participant = await findParticipant(trx, id, { forUpdate: true });
    if (!participant) throw new NotFoundError(`participant ${id} does not exist`);
    if (participant.deletedAt) throw new ConflictError(`participant ${id} is deleted: restore it first`);
    return participant;
  };
  const lockState = async (trx: Knex, id: number) => {
    const state = await findBeiweState(trx, id, { forUpdate: true });
    if (!state) throw new NotFoundError(`participant ${id} has no Beiwe credentials`);
    return state;
  };
  const target = (p: { id: number; studyId: number }) => ({ type: 'participant', id: p.id, studyId: p.studyId });

  return new Hono<AppEnv>()
    .post('/:id/beiwe', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const prepared = await prepareCredentials();
      const now = clock();
      const patientId = await db.transaction(async (trx) => {
        const participant = await lockLive(trx, id);
        if (await findBeiweState(trx, id)) throw new ConflictError(`participant ${id} already has Beiwe credentials`);
        const issued = await insertCredentials(trx, vault, id, prepared, now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'beiwe.issue',
          target: target(participant),
          before: null,
          after: issued,
        });
        return issued.patientId;
      });
      return c.json({ patientId, temporaryPassword: prepared.temporaryPassword, serverUrl: config.publicUrl }, 201);
    })
    .post('/:id/beiwe/reset-password', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const temporaryPassword = generateTemporaryPassword();
      const passwordHash = await hashPassword(beiweDeviceHash(temporaryPassword));
      const now = clock();
      const state = await db.transaction(async (trx) => {
        const participant = await lockLive(trx, id);
        const before = await lockState(trx, id);
        await updateCredentials(trx, id, { password_hash: passwordHash }, now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'beiwe.reset-password',
          target: target(participant),
          before: { patientId: before.patientId },
          after: { patientId: before.patientId },
        });
        return before;
      });
      return c.json({ patientId: state.patientId, temporaryPassword, serverUrl: config.publicUrl });
    })
    .post('/:id/beiwe/unregister', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const now = clock();
      const after = await db.transaction(async (trx) => {
        const participant = await lockLive(trx, id);
        const before = await lockState(trx, id);
        await updateCredentials(trx, id, { device_id: null }, now);
        const after = { ...before, registered: false };
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'beiwe.unregister',
          target: target(participant),
          before,
          after,
        });
        return after;
      });
      return c.json(after);
    })
    .post('/:id/beiwe/retire', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const now = clock();
      const after = await db.transaction(async (trx) => {
        const participant = await lockLive(trx, id);
        const before = await lockState(trx, id);
        if (before.retiredAt) throw new ConflictError(`participant ${id} is already retired`);
        await updateCredentials(trx, id, { retired_at: now }, now);
        const after = { ...before, retiredAt: now };
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'beiwe.retire',
          target: target(participant),
          before,
          after,
        });
        return after;
      });
      return c.json(after);
    })
    .put('/:id/beiwe/device-info-tracking', validate('param', ById), validate('json', Tracking), async (c) => {
      const { id } = c.req.valid('param');
      const { enabled } = c.req.valid('json');
      const now = clock();
      const after = await db.transaction(async (trx) => {
        const participant = await lockLive(trx, id);
        const before = await lockState(trx, id);
        await updateCredentials(trx, id, { device_info_tracking: enabled }, now);
        const after = { ...before, deviceInfoTracking: enabled };
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'beiwe.device-info-tracking',
          target: target(participant),
          before,
          after,
        });
        return after;
      });
      return c.json(after);
    });
}
