import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Study } from '../studies/store.ts';
import { findStudy } from '../studies/store.ts';

export async function findStudyOrThrow(db: Knex, id: number): Promise<Study> {
  const study = await findStudy(db, id);
  if (!study) throw new NotFoundError(`study ${id} does not exist`);
  return study;
}

/**
 * Locks a live study for the caller's transaction: its configuration changes one at a time, and a
 * deleted study's configuration waits for its restore.
 */
export async function lockLiveStudy(trx: Knex, id: number): Promise<Study> {
  const study = await findStudy(trx, id, { forUpdate: true });
  if (!study) throw new NotFoundError(`study ${id} does not exist`);
  if (study.deletedAt) throw new ConflictError(`study ${id} is deleted: restore it first`);
  return study;
}
