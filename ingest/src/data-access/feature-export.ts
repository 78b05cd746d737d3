import type { Knex } from 'knex';
import type { ExportParticipant } from './export.ts';

/** The export's pseudo-stream for a participant's `daily_features` (one CSV, not hourly chunks). */
export const FEATURES_STREAM = 'daily_features';

export const FEATURES_HEADER = 'day,feature,source,value,coverage,version';

type FeatureEntry = { name: string; registryPath: string; bin: Date; data: Buffer; rows: number };

/** Rows of `daily_features` the export will hold for a participant, for its estimate. */
export async function countFeatureRows(
  db: Knex,
  participantId: number,
  from: Date | undefined,
  to: Date | undefined
): Promise<number> {
  const [row] = (await featureRows(db, participantId, from, to).count({ n: '*' })) as { n: number | string }[];
  return Number(row?.n ?? 0);
}

const featureRows = (db: Knex, participantId: number, from: Date | undefined, to: Date | undefined) =>
  db('daily_features')
    .where({ participant_id: participantId })
    .modify((q) => {
      if (from) void q.where('day', '>=', from.toISOString().slice(0, 10));
      if (to) void q.where('day', '<=', to.toISOString().slice(0, 10));
    });

/**
 * A participant's daily features as one CSV, `{pid}/daily_features.csv`, in `daily_features`' long
 * format, by day, feature, source. Days are local to the study; `from`/`to` bound them by their
 * UTC calendar dates. Numbers are JavaScript's shortest round-trip form; NULL is an empty cell.
 */
export async function* featureEntries(
  db: Knex,
  studyObjectId: string,
  p: ExportParticipant,
  from: Date | undefined,
  to: Date | undefined
): AsyncGenerator<FeatureEntry> {
  const rows = (await featureRows(db, p.id, from, to)
    .orderBy(['day', 'feature', 'source'])
    .select(db.raw("DATE_FORMAT(day, '%Y-%m-%d') AS day"), 'feature', 'source', 'value', 'coverage', 'version')) as {
    day: string;
    feature: string;
    source: string;
    value: number | null;
    coverage: number | null;
    version: number;
  }[];
  if (rows.length === 0) return;
  const cell = (v: number | null) => (v === null ? '' : String(v));
  const lines = rows.map((r) => `${r.day},${r.feature},${r.source},${cell(r.value)},${cell(r.coverage)},${r.version}`);
  yield {
    name: `${p.patientId}/${FEATURES_STREAM}.csv`,
    registryPath: `${studyObjectId}/${p.patientId}/${FEATURES_STREAM}.csv`,
    bin: new Date(`${rows.at(-1)!.day}T00:00:00Z`),
    data: Buffer.from([FEATURES_HEADER, ...lines].join('\n')),
    rows: rows.length,
  };
}
