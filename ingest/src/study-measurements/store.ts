import type { Knex } from 'knex';
import { z } from 'zod';
import { DEFAULT_MEASUREMENTS, MEASUREMENTS, type WearableMeasurement } from '../wearables/measurements.ts';

export type StudyMeasurements = { readonly measurements: WearableMeasurement[]; readonly chosen: boolean };

const Stored = z.array(z.string());

/**
 * What the study collects, in the catalogue's order; the default set while it never chose. A name
 * dropped from the catalogue is left out until a PUT replaces the list.
 */
export async function findStudyMeasurements(
  db: Knex,
  studyId: number,
  opts: { forUpdate?: boolean } = {}
): Promise<StudyMeasurements> {
  const q = db('study_measurements').where({ study_id: studyId }).first('measurements');
  const row = (await (opts.forUpdate ? q.forUpdate() : q)) as StoredRow | undefined;
  if (!row) return { measurements: [...DEFAULT_MEASUREMENTS], chosen: false };
  return { measurements: parseStored(row), chosen: true };
}

type StoredRow = { measurements: string | string[] };

function parseStored(row: StoredRow): WearableMeasurement[] {
  const names = Stored.parse(typeof row.measurements === 'string' ? JSON.parse(row.measurements) : row.measurements);
  return MEASUREMENTS.filter((m) => names.includes(m));
}

/** What each of `studyIds` collects, as `findStudyMeasurements` gives it, in one query. */
export async function measurementsOfStudies(
  db: Knex,
  studyIds: readonly number[]
): Promise<Map<number, WearableMeasurement[]>> {
  const rows = (await db('study_measurements')
    .whereIn('study_id', studyIds)
    .select('study_id', 'measurements')) as (StoredRow & { study_id: number })[];
  const chosen = new Map(rows.map((r) => [r.study_id, parseStored(r)]));
  return new Map(studyIds.map((id) => [id, chosen.get(id) ?? [...DEFAULT_MEASUREMENTS]]));
}

/** The measurements of the study a participant belongs to. */
export async function measurementsOfParticipant(db: Knex, participantId: number): Promise<WearableMeasurement[]> {
  const row = (await db('participants').where({ id: participantId }).first('study_id')) as
    { study_id: number } | undefined;
  if (!row) throw new Error(`participant ${participantId} does not exist`);
  return (await findStudyMeasurements(db, row.study_id)).measurements;
}

export async function saveStudyMeasurements(
  db: Knex,
  studyId: number,
  measurements: readonly WearableMeasurement[],
  now: Date
): Promise<void> {
  await db('study_measurements')
    .insert({ study_id: studyId, measurements: JSON.stringify(measurements), updated_at: now })
    .onConflict('study_id')
    .merge();
}
