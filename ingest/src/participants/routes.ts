import { Hono } from 'hono';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { actorOf } from '../app-env.ts';
import { recordAudit } from '../audit/store.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { Id } from '../listing.ts';
import { restorableUntil } from '../retention/window.ts';
import { findBeiweState, findBeiweStates, insertCredentials, prepareCredentials } from '../beiwe/credentials/store.ts';
import { findStudy } from '../studies/store.ts';
import { validate } from '../validate.ts';
import { Enrolment, ParticipantPatch, ParticipantQuery } from './schemas.ts';
import type { Participant } from './store.ts';
import {
  findParticipant,
  insertParticipant,
  listParticipants,
  setParticipantDeletedAt,
  updateParticipant,
} from './store.ts';

const ById = z.object({ id: Id });
const ByStudy = z.object({ studyId: Id });

/** `/studies/:studyId/participants`: the study's list and enrolment. */
export function studyParticipantRoutes({ db, clock, vault, config }: AppDeps) {
  return new Hono<AppEnv>()
    .get('/:studyId/participants', validate('param', ByStudy), validate('query', ParticipantQuery), async (c) => {
      const { studyId } = c.req.valid('param');
      const query = c.req.valid('query');
      if (!(await findStudy(db, studyId))) throw new NotFoundError(`study ${studyId} does not exist`);
      const { items, total } = await listParticipants(db, studyId, query);
      const phones = await findBeiweStates(
        db,
        items.map((p) => p.id)
      );
      const withPhones = items.map((p) => ({ ...p, beiwe: phones.get(p.id) ?? null }));
      return c.json({ items: withPhones, total, limit: query.limit, offset: query.offset });
    })
    .post('/:studyId/participants', validate('param', ByStudy), validate('json', Enrolment), async (c) => {
      const { studyId } = c.req.valid('param');
      const { beiwe, ...fields } = c.req.valid('json');
      // RSA key generation is slow: done before the transaction, not while holding its locks.
      const credentials = beiwe ? await prepareCredentials() : undefined;
      const now = clock();
      const { participant, patientId } = await db.transaction(async (trx) => {
        // Locks the study so it cannot be deleted while a participant is being added to it.
        const study = await findStudy(trx, studyId, { forUpdate: true });
        if (!study) throw new NotFoundError(`study ${studyId} does not exist`);
        if (study.deletedAt) throw new ConflictError(`study ${studyId} is deleted: restore it first`);
        const created = await insertParticipant(trx, studyId, fields, now);
        const issued = credentials && (await insertCredentials(trx, vault, created.id, credentials, now));
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'participant.create',
          target: targetOf(created),
          before: null,
          after: { ...created, beiwe: issued ?? null },
        });
        return { participant: created, patientId: issued?.patientId };
      });
      // The temporary password is shown this once; only its slow hash is kept.
      const enrolment =
        patientId && credentials
          ? { patientId, temporaryPassword: credentials.temporaryPassword, serverUrl: config.publicUrl }
          : null;
      return c.json({ ...participant, beiwe: enrolment }, 201);
    });
}

/** `/participants/:id`: one participant, wherever its study is. */
export function participantRoutes({ db, clock, config }: AppDeps) {
  const days = config.retention.days;
  const json = async (p: Participant) => ({
    ...p,
    restorableUntil: p.deletedAt === null ? null : restorableUntil(p.deletedAt, days),
    beiwe: (await findBeiweState(db, p.id)) ?? null,
  });

  /** Locks the participant and checks its study is live; changes to a deleted study's people wait for its restore. */
  const lockParticipant = async (trx: Knex, id: number) => {
    const participant = await findParticipant(trx, id, { forUpdate: true });
    if (!participant) throw new NotFoundError(`participant ${id} does not exist`);
    const study = await findStudy(trx, participant.studyId);
    if (study?.deletedAt) throw new ConflictError(`study ${participant.studyId} is deleted: restore it first`);
    return participant;
  };

  return new Hono<AppEnv>()
    .get('/:id', validate('param', ById), async (c) => {
      const { id } = c.req.valid('param');
      const participant = await findParticipant(db, id);
      if (!participant) throw new NotFoundError(`participant ${id} does not exist`);
      return c.json(await json(participant));
    })
    .patch('/:id', validate('param', ById), validate('json', ParticipantPatch), async (c) => {
      const now = clock();
      const participant = await db.transaction(async (trx) => {
        const before = await lockParticipant(trx, c.req.valid('param').id);
        if (before.deletedAt) throw new ConflictError(`participant ${before.id} is deleted: restore it first`);
        const patch = c.req.valid('json');
        const after = await updateParticipant(trx, before, patch, now);
        const renamed = patch.label !== undefined && patch.label !== before.label;
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: renamed ? 'participant.rename' : 'participant.update',
          target: targetOf(after),
          before,
          after,
        });
        return after;
      });
      return c.json(await json(participant));
    })
    .delete('/:id', validate('param', ById), async (c) => {
      const now = clock();
      const participant = await db.transaction(async (trx) => {
        const before = await lockParticipant(trx, c.req.valid('param').id);
        if (before.deletedAt) throw new ConflictError(`participant ${before.id} is already deleted`);
        const after = await setParticipantDeletedAt(trx, before, now, now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'participant.delete',
          target: targetOf(after),
          before,
          after,
        });
        return after;
      });
      return c.json(await json(participant));
    })
    .post('/:id/restore', validate('param', ById), async (c) => {
      const now = clock();
      const participant = await db.transaction(async (trx) => {
        const before = await lockParticipant(trx, c.req.valid('param').id);
        if (!before.deletedAt) throw new ConflictError(`participant ${before.id} is not deleted`);
        if (restorableUntil(before.deletedAt, days) <= now) {
          throw new ConflictError(
            `participant ${before.id} was deleted more than ${days} days ago and can no longer be restored`
          );
        }
        const after = await setParticipantDeletedAt(trx, before, null, now);
        await recordAudit(trx, now, {
          ...actorOf(c),
          action: 'participant.restore',
          target: targetOf(after),
          before,
          after,
        });
        return after;
      });
      return c.json(await json(participant));
    });
}

const targetOf = (p: Participant) => ({ type: 'participant', id: p.id, studyId: p.studyId });
