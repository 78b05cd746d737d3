import type { Knex } from 'knex';
import { isDuplicateKey } from '../db.ts';
import { ConflictError } from '../errors.ts';
import { likeContains, whereDeleted } from '../listing.ts';
import type { NewParticipant, ParticipantPatch, ParticipantQuery } from './schemas.ts';

export type ParticipantStatus = NewParticipant['status'];

export type Participant = {
  id: number;
  studyId: number;
  label: string;
  status: ParticipantStatus;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
};

const columns = ['id', 'study_id', 'label', 'status', 'created_at', 'updated_at', 'deleted_at'] as const;

type ParticipantRow = {
  id: number;
  study_id: number;
  label: string;
  status: ParticipantStatus;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

const toParticipant = (r: ParticipantRow): Participant => ({
  id: r.id,
  studyId: r.study_id,
  label: r.label,
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deletedAt: r.deleted_at,
});

export async function findParticipant(
  db: Knex,
  id: number,
  opts: { forUpdate?: boolean } = {}
): Promise<Participant | undefined> {
  const q = db('participants').select(columns).where({ id }).first();
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as ParticipantRow | undefined;
  return row && toParticipant(row);
}

export async function listParticipants(
  db: Knex,
  studyId: number,
  query: ParticipantQuery
): Promise<{ items: Participant[]; total: number }> {
  const base = db('participants').where((q) => {
    void q.where('study_id', studyId);
    whereDeleted(q, 'deleted_at', query.deleted);
    if (query.q !== undefined) void q.where('label', 'like', likeContains(query.q));
    if (query.status !== undefined) void q.where('status', query.status);
  });
  const [rows, [count]] = await Promise.all([
    base
      .clone()
      .select(columns)
      .orderBy([{ column: 'label' }, { column: 'id' }])
      .limit(query.limit)
      .offset(query.offset),
    base.clone().count({ n: '*' }),
  ]);
  return { items: (rows as ParticipantRow[]).map(toParticipant), total: Number(count?.n ?? 0) };
}

export async function insertParticipant(
  db: Knex,
  studyId: number,
  input: NewParticipant,
  now: Date
): Promise<Participant> {
  const [id] = await db('participants')
    .insert({ study_id: studyId, ...input, created_at: now, updated_at: now })
    .catch(rethrowLabelClash(input.label));
  return { id: Number(id), studyId, ...input, createdAt: now, updatedAt: now, deletedAt: null };
}

export async function updateParticipant(
  db: Knex,
  participant: Participant,
  patch: ParticipantPatch,
  now: Date
): Promise<Participant> {
  await db('participants')
    .where({ id: participant.id })
    .update({ ...patch, updated_at: now })
    .catch(rethrowLabelClash(patch.label ?? participant.label));
  return { ...participant, ...patch, updatedAt: now };
}

export async function setParticipantDeletedAt(
  db: Knex,
  participant: Participant,
  deletedAt: Date | null,
  now: Date
): Promise<Participant> {
  await db('participants')
    .where({ id: participant.id })
    .update({ deleted_at: deletedAt, updated_at: now })
    .catch(rethrowLabelClash(participant.label));
  return { ...participant, deletedAt, updatedAt: now };
}

const rethrowLabelClash = (label: string) => (err: unknown) => {
  if (isDuplicateKey(err)) {
    throw new ConflictError(`another participant in this study is already labelled ${JSON.stringify(label)}`);
  }
  throw err;
};
