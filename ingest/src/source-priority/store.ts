import type { Knex } from 'knex';
import { MEASUREMENTS, type Measurement, type Priorities, type PriorityEntry } from './schemas.ts';

type Row = { measurement: string; source: string; device: string | null };

/** A study's lists, every measurement present (an empty list: the default order). */
export async function findSourcePriorities(
  db: Knex,
  studyId: number,
  opts: { forUpdate?: boolean } = {}
): Promise<Record<Measurement, PriorityEntry[]>> {
  const q = db('source_priorities')
    .where({ study_id: studyId })
    .select('measurement', 'source', 'device')
    .orderBy(['measurement', 'position']);
  const rows = (await (opts.forUpdate ? q.forUpdate() : q)) as Row[];
  const out = Object.fromEntries(MEASUREMENTS.map((m) => [m, [] as PriorityEntry[]])) as Record<
    Measurement,
    PriorityEntry[]
  >;
  for (const r of rows) {
    // A measurement dropped from the code keeps its rows until a PUT replaces them; it is not shown.
    if (!(MEASUREMENTS as string[]).includes(r.measurement)) continue;
    out[r.measurement as Measurement].push(
      r.device === null ? { source: r.source } : { source: r.source, device: r.device }
    );
  }
  return out;
}

/** Replaces every list of the study: a measurement absent from `priorities` goes back to the default order. */
export async function saveSourcePriorities(db: Knex, studyId: number, priorities: Priorities, now: Date) {
  await db('source_priorities').where({ study_id: studyId }).delete();
  const rows = Object.entries(priorities).flatMap(([measurement, entries]) =>
    entries.map((e, position) => ({
      study_id: studyId,
      measurement,
      position,
      source: e.source,
      device: e.device ?? null,
      updated_at: now,
    }))
  );
  if (rows.length > 0) await db('source_priorities').insert(rows);
}
