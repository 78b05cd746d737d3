import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Data-access keys in Beiwe's format (spec §6): 64 base64-alphabet characters for the access key
 * and 64 for the secret, shown once. Only the secret's SHA-256 is kept: a slow hash protects
 * guessable human passwords, and a 384-bit random secret is not guessable, so a fast hash is as
 * safe here and lets every request be checked in microseconds.
 */
export type DataAccessKey = {
  id: number;
  accessKey: string;
  studyId: number | null;
  name: string;
  createdBy: string;
  createdAt: Date;
  disabledAt: Date | null;
  lastUsedAt: Date | null;
};

type KeyRow = {
  id: number;
  access_key: string;
  secret_sha256: Buffer;
  study_id: number | null;
  name: string;
  created_by: string;
  created_at: Date;
  disabled_at: Date | null;
  last_used_at: Date | null;
};

const toKey = (r: KeyRow): DataAccessKey => ({
  id: r.id,
  accessKey: r.access_key,
  studyId: r.study_id,
  name: r.name,
  createdBy: r.created_by,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
  lastUsedAt: r.last_used_at,
});

/** 48 random bytes are exactly 64 base64 characters, none of them padding. */
const newToken = () => randomBytes(48).toString('base64');
const sha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

export async function insertKey(
  db: Knex,
  input: { studyId: number | null; name: string; createdBy: string },
  now: Date
): Promise<{ key: DataAccessKey; secret: string }> {
  const accessKey = newToken();
  const secret = newToken();
  const [id] = await db('data_access_keys').insert({
    access_key: accessKey,
    secret_sha256: sha256(secret),
    study_id: input.studyId,
    name: input.name,
    created_by: input.createdBy,
    created_at: now,
  });
  const key: DataAccessKey = {
    id: Number(id),
    accessKey,
    ...input,
    createdAt: now,
    disabledAt: null,
    lastUsedAt: null,
  };
  return { key, secret };
}

export async function findKey(
  db: Knex,
  id: number,
  opts: { forUpdate?: boolean } = {}
): Promise<DataAccessKey | undefined> {
  const q = db('data_access_keys').where({ id }).first();
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as KeyRow | undefined;
  return row && toKey(row);
}

/** Keys of one study, or every key (studyId undefined), newest first. */
export async function listKeys(db: Knex, studyId?: number): Promise<DataAccessKey[]> {
  const q = db('data_access_keys').orderBy('id', 'desc');
  if (studyId !== undefined) void q.where({ study_id: studyId });
  return ((await q) as KeyRow[]).map(toKey);
}

export async function setKeyDisabledAt(db: Knex, id: number, at: Date | null): Promise<void> {
  await db('data_access_keys').where({ id }).update({ disabled_at: at });
}

export async function deleteKey(db: Knex, id: number): Promise<void> {
  await db('data_access_keys').where({ id }).delete();
}

/** The active key these credentials belong to, or undefined (unknown, disabled or wrong secret alike). */
export async function verifyKey(db: Knex, accessKey: string, secret: string): Promise<DataAccessKey | undefined> {
  const row = (await db('data_access_keys').where({ access_key: accessKey }).whereNull('disabled_at').first()) as
    KeyRow | undefined;
  if (!row || !timingSafeEqual(Buffer.from(row.secret_sha256), sha256(secret))) return undefined;
  return toKey(row);
}

export async function touchKey(db: Knex, id: number, now: Date): Promise<void> {
  await db('data_access_keys').where({ id }).update({ last_used_at: now });
}
