import type { Knex } from 'knex';
import { isDuplicateKey } from '../db.ts';
import { ConflictError } from '../errors.ts';

export type Intervention = { id: number; studyId: number; name: string; createdAt: Date; updatedAt: Date };

type InterventionRow = { id: number; study_id: number; name: string; created_at: Date; updated_at: Date };

const toIntervention = (r: InterventionRow): Intervention => ({
  id: r.id,
  studyId: r.study_id,
  name: r.name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const columns = ['id', 'study_id', 'name', 'created_at', 'updated_at'] as const;

/** In the order they were created, which is the order Beiwe's export lists them. */
export async function listInterventions(db: Knex, studyId: number): Promise<Intervention[]> {
  const rows = (await db('interventions')
    .select(columns)
    .where({ study_id: studyId })
    .orderBy('id')) as InterventionRow[];
  return rows.map(toIntervention);
}

export async function findIntervention(
  db: Knex,
  id: number,
  opts: { forUpdate?: boolean } = {}
): Promise<Intervention | undefined> {
  const q = db('interventions').select(columns).where({ id }).first();
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as InterventionRow | undefined;
  return row && toIntervention(row);
}

export async function insertIntervention(db: Knex, studyId: number, name: string, now: Date): Promise<Intervention> {
  const [id] = await db('interventions')
    .insert({ study_id: studyId, name, created_at: now, updated_at: now })
    .catch(rethrowNameClash(name));
  return { id: Number(id), studyId, name, createdAt: now, updatedAt: now };
}

export async function renameIntervention(
  db: Knex,
  intervention: Intervention,
  name: string,
  now: Date
): Promise<Intervention> {
  await db('interventions')
    .where({ id: intervention.id })
    .update({ name, updated_at: now })
    .catch(rethrowNameClash(name));
  return { ...intervention, name, updatedAt: now };
}

/** Also forgets every participant's date for it (foreign key cascade). */
export async function deleteIntervention(db: Knex, intervention: Intervention): Promise<void> {
  await db('interventions').where({ id: intervention.id }).delete();
}

const rethrowNameClash = (name: string) => (err: unknown) => {
  if (isDuplicateKey(err))
    throw new ConflictError(`this study already has an intervention named ${JSON.stringify(name)}`);
  throw err;
};

/** A participant's intervention dates (`YYYY-MM-DD`, study-local) by intervention id. */
export async function interventionDatesOf(db: Knex, participantId: number): Promise<Map<number, string>> {
  const rows = (await db('participant_intervention_dates')
    .select('intervention_id', db.raw("DATE_FORMAT(`date`, '%Y-%m-%d') as date"))
    .where({ participant_id: participantId })) as { intervention_id: number; date: string }[];
  return new Map(rows.map((r) => [r.intervention_id, r.date]));
}

/** Sets or (with null) clears a participant's dates; interventions not named keep theirs. */
export async function setInterventionDates(
  db: Knex,
  participantId: number,
  changes: readonly { interventionId: number; date: string | null }[],
  now: Date
): Promise<void> {
  for (const { interventionId, date } of changes) {
    const key = { participant_id: participantId, intervention_id: interventionId };
    if (date === null) await db('participant_intervention_dates').where(key).delete();
    else
      await db('participant_intervention_dates')
        .insert({ ...key, date, updated_at: now })
        .onConflict()
        .merge();
  }
}
