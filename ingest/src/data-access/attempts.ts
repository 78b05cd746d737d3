import type { Knex } from 'knex';

/** One call to the data-access API or one admin export, whatever its outcome (Beiwe's `DataAccessRecord`). */
export type Attempt = {
  readonly keyId?: number | null | undefined;
  readonly accessKey?: string | null | undefined;
  readonly actorLogin?: string | null | undefined;
  readonly endpoint: string;
  readonly status: number;
  readonly outcome: string;
  readonly studyId?: number | null | undefined;
  readonly query?: unknown;
  readonly requestId?: string | undefined;
};

export async function recordAttempt(db: Knex, at: Date, a: Attempt): Promise<number> {
  const [id] = await db('data_access_attempts').insert({
    at,
    key_id: a.keyId ?? null,
    // Only a well-formed key id is worth keeping; anything else is cut short.
    access_key: a.accessKey?.slice(0, 80) ?? null,
    actor_login: a.actorLogin ?? null,
    endpoint: a.endpoint,
    status: a.status,
    outcome: a.outcome.slice(0, 300),
    study_id: a.studyId ?? null,
    query: a.query === undefined ? null : JSON.stringify(a.query),
    request_id: a.requestId ?? null,
  });
  return Number(id);
}

export async function finishAttempt(db: Knex, id: number, outcome: string): Promise<void> {
  await db('data_access_attempts')
    .where({ id })
    .update({ outcome: outcome.slice(0, 300) });
}

export type AttemptRecord = {
  id: number;
  at: Date;
  keyId: number | null;
  accessKey: string | null;
  actorLogin: string | null;
  endpoint: string;
  status: number;
  outcome: string;
  studyId: number | null;
};

export async function listAttempts(
  db: Knex,
  filter: { keyId?: number | undefined; limit: number; offset: number }
): Promise<AttemptRecord[]> {
  const q = db('data_access_attempts').orderBy('id', 'desc').limit(filter.limit).offset(filter.offset);
  if (filter.keyId !== undefined) void q.where({ key_id: filter.keyId });
  const rows = (await q) as Record<string, unknown>[];
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at as Date,
    keyId: r.key_id === null ? null : Number(r.key_id),
    accessKey: r.access_key as string | null,
    actorLogin: r.actor_login as string | null,
    endpoint: String(r.endpoint),
    status: Number(r.status),
    outcome: String(r.outcome),
    studyId: r.study_id === null ? null : Number(r.study_id),
  }));
}
