import type { Knex } from 'knex';
import { BEIWE_STREAMS } from '../beiwe/protocol/file-name.ts';
import { orjsonTime } from './python-time.ts';

/**
 * Study-wide JSON of Beiwe's data-access API: data quantities, intervention dates and survey
 * history (`endpoints/data_api_endpoints.py`, `libs/endpoint_helpers/study_summaries_helpers.py`,
 * `libs/intervention_utils.py`).
 */

/**
 * Beiwe's data-quantity fields (`DATA_QUANTITY_FIELD_MAP` in `constants/forest_constants.py`,
 * `beiwe_` dropped), in its order.
 */
export const DATA_QUANTITY_FIELDS = [
  'accelerometer',
  'ambient_audio',
  'app_log',
  'bluetooth',
  'calls',
  'devicemotion',
  'gps',
  'gyro',
  'identifiers',
  'ios_log',
  'magnetometer',
  'power_state',
  'proximity',
  'reachability',
  'survey_answers',
  'survey_timings',
  'texts',
  'audio_recordings',
  'wifi',
].map((s) => `${s}_bytes`);

const isBeiweStream = (s: string) => (BEIWE_STREAMS as readonly string[]).includes(s);

/**
 * `{patient_id: {accelerometer_bytes: n, …}}`: each live participant's bytes per stream over all
 * days (`data_quantity`). As in Beiwe, participants with data come first (by patient id), then
 * the others with zeros.
 */
export async function dataQuantities(db: Knex, studyId: number): Promise<Record<string, Record<string, number>>> {
  const participants = (await db('participants as p')
    .join('beiwe_participants as b', 'b.participant_id', 'p.id')
    .where('p.study_id', studyId)
    .whereNull('p.deleted_at')
    .orderBy('b.patient_id')
    .select('p.id', 'b.patient_id')) as { id: number; patient_id: string }[];
  const sums = (await db('data_quantity')
    .whereIn(
      'participant_id',
      participants.map((p) => p.id)
    )
    .groupBy('participant_id', 'stream')
    .select('participant_id', 'stream', db.raw('SUM(bytes) AS bytes'))) as {
    participant_id: number;
    stream: string;
    bytes: number | string;
  }[];
  const zeros = () => Object.fromEntries(DATA_QUANTITY_FIELDS.map((f) => [f, 0]));
  const byId = new Map<number, Record<string, number>>();
  for (const s of sums) {
    if (!isBeiweStream(s.stream)) continue;
    const counts = byId.get(s.participant_id) ?? zeros();
    counts[`${s.stream}_bytes`] = Number(s.bytes);
    byId.set(s.participant_id, counts);
  }
  const out: Record<string, Record<string, number>> = {};
  for (const p of participants) if (byId.has(p.id)) out[p.patient_id] = byId.get(p.id)!;
  for (const p of participants) out[p.patient_id] ??= zeros();
  return out;
}

/**
 * `{patient_id: {survey_object_id: {intervention_name: "YYYY-MM-DD" | null}}}`: for every live
 * participant, the date of each intervention a live survey's relative schedule uses. Beiwe keeps
 * an (empty) date for every participant and intervention, so an unset date is null, not absent.
 * Beiwe keeps one survey per intervention (the last its query returns); Vigil lists every survey
 * that uses it.
 */
export async function interventionData(
  db: Knex,
  studyId: number
): Promise<Record<string, Record<string, Record<string, string | null>>>> {
  const [participants, interventions, surveys] = await Promise.all([
    db('participants as p')
      .join('beiwe_participants as b', 'b.participant_id', 'p.id')
      .where('p.study_id', studyId)
      .whereNull('p.deleted_at')
      .orderBy('b.patient_id')
      .select('p.id', 'b.patient_id') as Promise<{ id: number; patient_id: string }[]>,
    db('interventions').where({ study_id: studyId }).orderBy('name').select('id', 'name') as Promise<
      { id: number; name: string }[]
    >,
    db('surveys')
      .where({ study_id: studyId })
      .whereNull('deleted_at')
      .orderBy('object_id')
      .select('object_id', 'schedules') as Promise<{ object_id: string; schedules: unknown }[]>,
  ]);
  const dates = (await db('participant_intervention_dates')
    .whereIn(
      'participant_id',
      participants.map((p) => p.id)
    )
    .select('participant_id', 'intervention_id', db.raw("DATE_FORMAT(date, '%Y-%m-%d') AS date"))) as {
    participant_id: number;
    intervention_id: number;
    date: string;
  }[];
  const dateOf = new Map(dates.map((d) => [`${d.participant_id}/${d.intervention_id}`, d.date]));
  const used = surveys.map((s) => {
    const schedules = (typeof s.schedules === 'string' ? JSON.parse(s.schedules) : s.schedules) as {
      relative?: { interventionId: number }[];
    };
    const ids = new Set((schedules.relative ?? []).map((r) => r.interventionId));
    return { objectId: s.object_id, interventions: interventions.filter((i) => ids.has(i.id)) };
  });
  const out: Record<string, Record<string, Record<string, string | null>>> = {};
  for (const p of participants) {
    for (const s of used) {
      for (const i of s.interventions) {
        ((out[p.patient_id] ??= {})[s.objectId] ??= {})[i.name] = dateOf.get(`${p.id}/${i.id}`) ?? null;
      }
    }
  }
  return out;
}

/**
 * `{survey_object_id: [{archive_start, survey_json}]}`: every version of each of the study's
 * surveys (deleted ones too, as Beiwe's `study.surveys.all()`), oldest first, the current one
 * included. Beiwe archives a survey when its content or settings change; a Vigil version that
 * changed only the name or schedules (which Beiwe does not archive) is merged into the one before.
 */
export async function surveyHistory(
  db: Knex,
  studyId: number
): Promise<Record<string, { archive_start: string; survey_json: unknown }[]>> {
  const rows = (await db('survey_versions as v')
    .join('surveys as s', 's.id', 'v.survey_id')
    .where('s.study_id', studyId)
    .orderBy([{ column: 's.id' }, { column: 'v.version' }])
    .select('s.object_id', 'v.content', 'v.settings', 'v.created_at')) as {
    object_id: string;
    content: unknown;
    settings: unknown;
    created_at: Date;
  }[];
  const json = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const out: Record<string, { archive_start: string; survey_json: unknown }[]> = {};
  let previous: { objectId: string; content: string; settings: string } | undefined;
  for (const r of rows) {
    const current = { objectId: r.object_id, content: json(r.content), settings: json(r.settings) };
    const list = (out[r.object_id] ??= []);
    if (
      previous?.objectId === current.objectId &&
      previous.content === current.content &&
      previous.settings === current.settings
    ) {
      continue;
    }
    previous = current;
    list.push({ archive_start: orjsonTime(r.created_at), survey_json: JSON.parse(current.content) as unknown });
  }
  return out;
}
