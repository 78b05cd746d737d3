import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit, type AuditEntry } from '../audit/store.ts';
import { isDuplicateKey } from '../db.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { likeContains, whereDeleted } from '../listing.ts';
import type { NewStudy, StudyPatch, StudyQuery } from './schemas.ts';

export type Study = {
  id: number;
  objectId: string;
  name: string;
  description: string;
  timezone: string;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
};

const columns = [
  'id',
  'object_id',
  'name',
  'description',
  'timezone',
  'created_at',
  'updated_at',
  'deleted_at',
] as const;

type StudyRow = {
  id: number;
  object_id: string;
  name: string;
  description: string;
  timezone: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

const toStudy = (r: StudyRow): Study => ({
  id: r.id,
  objectId: r.object_id,
  name: r.name,
  description: r.description,
  timezone: r.timezone,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deletedAt: r.deleted_at,
});

/**
 * A study's per-study setting is read for any study, changed only for a live one: 404 otherwise.
 * `forUpdate` locks the study for the change's transaction.
 */
export async function requireStudy(
  db: Knex,
  id: number,
  opts: { live?: boolean; forUpdate?: boolean } = {}
): Promise<Study> {
  const found = await findStudy(db, id, { forUpdate: opts.forUpdate ?? false });
  if (!found || (opts.live && found.deletedAt)) throw new NotFoundError(`study ${id} does not exist`);
  return found;
}

/**
 * Replaces one per-study setting (source priorities, measurements) in a transaction: the live
 * study locked, the setting as it was and as saved audited under `action`. Returns it as saved.
 */
export async function updateStudySetting<T>(
  db: Knex,
  change: { studyId: number; now: Date; action: string; actor: Pick<AuditEntry, 'caller' | 'requestId'> },
  setting: { find(trx: Knex, opts?: { forUpdate?: boolean }): Promise<T>; save(trx: Knex): Promise<void> }
): Promise<T> {
  const { studyId: id, now } = change;
  return db.transaction(async (trx) => {
    await requireStudy(trx, id, { live: true, forUpdate: true });
    const before = await setting.find(trx, { forUpdate: true });
    await setting.save(trx);
    const after = await setting.find(trx);
    await recordAudit(trx, now, {
      ...change.actor,
      action: change.action,
      target: { type: 'study', id, studyId: id },
      before,
      after,
    });
    return after;
  });
}

/** Finds a study, deleted or not; `forUpdate` locks it for the caller's transaction. */
export async function findStudy(db: Knex, id: number, opts: { forUpdate?: boolean } = {}): Promise<Study | undefined> {
  const q = db('studies').select(columns).where({ id }).first();
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as StudyRow | undefined;
  return row && toStudy(row);
}

export async function listStudies(db: Knex, query: StudyQuery): Promise<{ items: Study[]; total: number }> {
  const base = db('studies').where((q) => {
    whereDeleted(q, 'deleted_at', query.deleted);
    if (query.q !== undefined) void q.where('name', 'like', likeContains(query.q));
  });
  const [rows, [count]] = await Promise.all([
    base
      .clone()
      .select(columns)
      .orderBy([{ column: 'name' }, { column: 'id' }])
      .limit(query.limit)
      .offset(query.offset),
    base.clone().count({ n: '*' }),
  ]);
  return { items: (rows as StudyRow[]).map(toStudy), total: Number(count?.n ?? 0) };
}

export async function insertStudy(db: Knex, input: NewStudy, now: Date): Promise<Study> {
  const objectId = generateObjectId();
  const [id] = await db('studies')
    .insert({ ...input, object_id: objectId, created_at: now, updated_at: now })
    .catch(rethrowNameClash(input.name));
  return { id: Number(id), objectId, ...input, createdAt: now, updatedAt: now, deletedAt: null };
}

export async function findStudyByObjectId(db: Knex, objectId: string): Promise<Study | undefined> {
  const row = (await db('studies').select(columns).where({ object_id: objectId }).first()) as StudyRow | undefined;
  return row && toStudy(row);
}

const OBJECT_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Beiwe's object ids are 24 random alphanumerics; 62^24 makes a clash practically impossible. */
function generateObjectId(): string {
  return Array.from({ length: 24 }, () => OBJECT_ID_ALPHABET[randomInt(OBJECT_ID_ALPHABET.length)]).join('');
}

export async function updateStudy(db: Knex, study: Study, patch: StudyPatch, now: Date): Promise<Study> {
  await db('studies')
    .where({ id: study.id })
    .update({ ...patch, updated_at: now })
    .catch(rethrowNameClash(patch.name ?? study.name));
  return { ...study, ...patch, updatedAt: now };
}

export async function setStudyDeletedAt(db: Knex, study: Study, deletedAt: Date | null, now: Date): Promise<Study> {
  await db('studies')
    .where({ id: study.id })
    .update({ deleted_at: deletedAt, updated_at: now })
    .catch(rethrowNameClash(study.name));
  return { ...study, deletedAt, updatedAt: now };
}

const rethrowNameClash = (name: string) => (err: unknown) => {
  if (isDuplicateKey(err)) throw new ConflictError(`a study named ${JSON.stringify(name)} already exists`);
  throw err;
};
