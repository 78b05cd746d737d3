import type { Knex } from 'knex';
import { isPatientIdShaped } from '../beiwe/protocol/passwords.ts';
import { InvalidInputError, type FieldProblem } from '../errors.ts';
import { summaryStatistics } from '../features/summary-statistics.ts';
import { surveyDeliveriesByDay, surveyOpeningsByDay } from '../push/funnel.ts';
import type { Study } from '../studies/store.ts';
import { textField, type Form } from './request.ts';
import { DATA_QUANTITY_FIELDS } from './study-data.ts';

/**
 * Beiwe's `/get-summary-statistics/v1` (`libs/endpoint_helpers/summary_statistic_helpers.py`,
 * `ApiQueryForm` in `libs/django_forms/forms.py`): one object per participant and day with the
 * asked `fields` (all of `SERIALIZABLE_FIELD_NAMES` by default), filtered by `participant_ids`
 * (comma-separated), `start_date` and `end_date` (YYYY-MM-DD, inclusive), sorted by `ordered_by`
 * (default `date`, newest first) in `order_direction`, at most `limit` rows.
 */

const METADATA_FIELDS = ['date', 'participant_id', 'study_id', 'timezone'];
const JASMINE_FIELDS = [
  'jasmine_distance_diameter',
  'jasmine_distance_from_home',
  'jasmine_distance_traveled',
  'jasmine_flight_distance_average',
  'jasmine_flight_distance_stddev',
  'jasmine_flight_duration_average',
  'jasmine_flight_duration_stddev',
  'jasmine_home_duration',
  'jasmine_gyration_radius',
  'jasmine_significant_location_count',
  'jasmine_significant_location_entropy',
  'jasmine_pause_time',
  'jasmine_obs_duration',
  'jasmine_obs_day',
  'jasmine_obs_night',
  'jasmine_total_flight_time',
  'jasmine_av_pause_duration',
  'jasmine_sd_pause_duration',
];
const WILLOW_FIELDS = [
  'willow_incoming_text_count',
  'willow_incoming_text_degree',
  'willow_incoming_text_length',
  'willow_outgoing_text_count',
  'willow_outgoing_text_degree',
  'willow_outgoing_text_length',
  'willow_incoming_text_reciprocity',
  'willow_outgoing_text_reciprocity',
  'willow_outgoing_MMS_count',
  'willow_incoming_MMS_count',
  'willow_incoming_call_count',
  'willow_incoming_call_degree',
  'willow_incoming_call_duration',
  'willow_outgoing_call_count',
  'willow_outgoing_call_degree',
  'willow_outgoing_call_duration',
  'willow_missed_call_count',
  'willow_missed_callers',
  'willow_uniq_individual_call_or_text_count',
];
const SYCAMORE_FIELDS = [
  'sycamore_total_surveys',
  'sycamore_total_completed_surveys',
  'sycamore_total_opened_surveys',
  'sycamore_average_time_to_submit',
  'sycamore_average_time_to_open',
  'sycamore_average_duration',
];
const OAK_FIELDS = ['oak_walking_time', 'oak_steps', 'oak_cadence'];

/** Beiwe's `SERIALIZABLE_FIELD_NAMES`, in its order. */
export const SERIALIZABLE_FIELDS = [
  ...METADATA_FIELDS,
  ...DATA_QUANTITY_FIELDS.map((f) => `beiwe_${f}`),
  ...JASMINE_FIELDS,
  ...WILLOW_FIELDS,
  ...SYCAMORE_FIELDS,
  ...OAK_FIELDS,
];

export type SummaryQuery = {
  participantIds?: string[];
  startDate?: string;
  endDate?: string;
  limit?: number;
  orderedBy: string;
  descending: boolean;
  fields: string[];
};

/** A parameter from the query string (where Beiwe reads them), else from the form. */
function param(url: URL, form: Form, name: string): string | undefined {
  return url.searchParams.get(name) ?? textField(form, name);
}

function isDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The query, or 400 with Beiwe's messages for every bad parameter. */
export function parseSummaryQuery(url: URL, form: Form): SummaryQuery {
  const problems: FieldProblem[] = [];
  const query: SummaryQuery = { orderedBy: 'date', descending: true, fields: SERIALIZABLE_FIELDS };
  for (const [name, key] of [
    ['start_date', 'startDate'],
    ['end_date', 'endDate'],
  ] as const) {
    const value = param(url, form, name)?.trim();
    if (!value) continue;
    if (isDate(value)) query[key] = value;
    else
      problems.push({
        field: name,
        message: `${name.replace('_', ' ')} could not be interpreted as a date. Dates should be formatted as YYYY-MM-DD`,
      });
  }
  const limit = param(url, form, 'limit')?.trim();
  if (limit) {
    if (/^[+-]?\d+$/.test(limit)) {
      if (Number(limit) !== 0) query.limit = Number(limit);
    } else problems.push({ field: 'limit', message: 'limit value could not be interpreted as an integer value' });
  }
  const orderedBy = param(url, form, 'ordered_by');
  if (orderedBy) {
    if (SERIALIZABLE_FIELDS.includes(orderedBy)) query.orderedBy = orderedBy;
    else
      problems.push({
        field: 'ordered_by',
        message: `${orderedBy} is not a field that can be used to sort the output`,
      });
  }
  const direction = param(url, form, 'order_direction');
  if (direction && direction !== 'ascending' && direction !== 'descending') {
    problems.push({
      field: 'order_direction',
      message: "If provided, the order_direction parameter should contain either the value 'ascending' or 'descending'",
    });
  }
  query.descending = direction ? direction === 'descending' : query.orderedBy === 'date';
  const ids = param(url, form, 'participant_ids');
  if (ids) query.participantIds = ids.split(',').map((s) => s.trim());
  const fields = param(url, form, 'fields');
  if (fields) {
    const asked = fields.split(',').map((s) => s.trim());
    for (const f of asked) {
      if (!SERIALIZABLE_FIELDS.includes(f)) problems.push({ field: 'fields', message: `${f} is not a valid field` });
    }
    query.fields = asked;
  }
  if (problems.length > 0) throw InvalidInputError.fromFields(problems);
  return query;
}

type Row = Record<string, string | number | null>;

/**
 * The rows: derived features (`summaryStatistics`), bytes per stream (`data_quantity`) and the
 * survey deliveries of the push records (`surveyDeliveriesByDay`, `surveyOpeningsByDay`) for each
 * participant-day that has any. Fields Vigil does not compute are null.
 */
export async function summaryStatisticRows(db: Knex, study: Study, q: SummaryQuery): Promise<Row[]> {
  // A patient id can only be ASCII text of up to 8 characters: anything else matches no one.
  const participantIds = q.participantIds?.filter(isPatientIdShaped);
  const features = await summaryStatistics(db, {
    studyId: study.id,
    ...(participantIds && { participantIds }),
    ...(q.startDate && { startDate: q.startDate }),
    ...(q.endDate && { endDate: q.endDate }),
  });
  const bytes = (await db('data_quantity as d')
    .join('participants as p', 'p.id', 'd.participant_id')
    .join('beiwe_participants as b', 'b.participant_id', 'p.id')
    .where('p.study_id', study.id)
    .whereNull('p.deleted_at')
    .modify((qb) => {
      if (participantIds) void qb.whereIn('b.patient_id', participantIds);
      if (q.startDate) void qb.where('d.day', '>=', q.startDate);
      if (q.endDate) void qb.where('d.day', '<=', q.endDate);
    })
    .select('b.patient_id', db.raw("DATE_FORMAT(d.day, '%Y-%m-%d') AS day"), 'd.stream', 'd.bytes')) as {
    patient_id: string;
    day: string;
    stream: string;
    bytes: number | string;
  }[];
  const rows = new Map<string, Row>();
  const rowOf = (patientId: string, day: string): Row => {
    const key = `${patientId}/${day}`;
    let row = rows.get(key);
    if (!row) {
      row = Object.fromEntries(SERIALIZABLE_FIELDS.map((f) => [f, null])) as Row;
      Object.assign(row, { date: day, participant_id: patientId, study_id: study.objectId, timezone: study.timezone });
      rows.set(key, row);
    }
    return row;
  };
  for (const f of features) {
    const row = rowOf(f.participant_id, f.date);
    for (const [k, v] of Object.entries(f)) if (k in row) row[k] = v;
  }
  for (const b of bytes) {
    const field = `beiwe_${b.stream}_bytes`;
    const row = rowOf(b.patient_id, b.day);
    if (field in row) row[field] = Number(b.bytes);
  }
  const deliveryQuery = {
    studyId: study.id,
    ...(participantIds && { participantIds }),
    ...(q.startDate && { startDate: q.startDate }),
    ...(q.endDate && { endDate: q.endDate }),
  };
  for (const d of await surveyDeliveriesByDay(db, deliveryQuery)) {
    const row = rowOf(d.patientId, d.day);
    row.sycamore_total_surveys = d.due;
    row.sycamore_average_time_to_submit = d.avgTimeToSubmit;
  }
  // Only days with an opened delivery have a row, always one the deliveries already made.
  for (const o of await surveyOpeningsByDay(db, deliveryQuery)) {
    const row = rowOf(o.patientId, o.day);
    row.sycamore_average_time_to_open = o.avgTimeToOpen;
    row.sycamore_average_duration = o.avgDuration;
  }
  const sorted = [...rows.values()].sort((a, b) => {
    const by = compare(a[q.orderedBy], b[q.orderedBy]);
    return (q.descending ? -by : by) || compare(a.participant_id, b.participant_id) || compare(a.date, b.date);
  });
  const limited = q.limit !== undefined && q.limit > 0 ? sorted.slice(0, q.limit) : sorted;
  // Django's values() puts real fields first, then the annotated study_id, then participant_id.
  const order = [
    ...q.fields.filter((f) => f !== 'study_id' && f !== 'participant_id'),
    ...(['study_id', 'participant_id'] as const).filter((f) => q.fields.includes(f)),
  ];
  return limited.map((r) => Object.fromEntries(order.map((f) => [f, r[f] ?? null])) as Row);
}

/** PostgreSQL's order, which Beiwe's answers have: nulls after every value ascending. */
function compare(a: string | number | null | undefined, b: string | number | null | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return a < b ? -1 : 1;
}
