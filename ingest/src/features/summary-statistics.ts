import type { Knex } from 'knex';

/**
 * Beiwe's daily summary statistics (`/get-summary-statistics/v1`, one row per participant and day)
 * from `daily_features`. Field names are Beiwe's (`TREE_COLUMN_NAMES_TO_SUMMARY_STATISTICS` in the
 * backend); values keep Forest's units (hours, km, minutes of calls). A feature Vigil does not
 * compute, or a day that did not count, is null, as Beiwe leaves it. Beiwe's `beiwe_*_bytes` fields
 * come from `data_quantity`, and features Beiwe has no field for (survey adherence, wearables) are
 * left out; `steps` here is the phone's (oak), never a wearable's.
 */
const FOREST_TO_BEIWE: Readonly<Record<string, string>> = {
  diameter: 'jasmine_distance_diameter',
  max_dist_home: 'jasmine_distance_from_home',
  dist_traveled: 'jasmine_distance_traveled',
  av_flight_length: 'jasmine_flight_distance_average',
  sd_flight_length: 'jasmine_flight_distance_stddev',
  av_flight_duration: 'jasmine_flight_duration_average',
  sd_flight_duration: 'jasmine_flight_duration_stddev',
  missing_time: 'jasmine_gps_data_missing_duration',
  home_time: 'jasmine_home_duration',
  radius: 'jasmine_gyration_radius',
  num_sig_places: 'jasmine_significant_location_count',
  entropy: 'jasmine_significant_location_entropy',
  total_pause_time: 'jasmine_pause_time',
  obs_duration: 'jasmine_obs_duration',
  obs_day: 'jasmine_obs_day',
  obs_night: 'jasmine_obs_night',
  total_flight_time: 'jasmine_total_flight_time',
  av_pause_duration: 'jasmine_av_pause_duration',
  sd_pause_duration: 'jasmine_sd_pause_duration',
  num_r: 'willow_incoming_text_count',
  num_r_tel: 'willow_incoming_text_degree',
  total_char_r: 'willow_incoming_text_length',
  num_s: 'willow_outgoing_text_count',
  num_s_tel: 'willow_outgoing_text_degree',
  total_char_s: 'willow_outgoing_text_length',
  num_mms_s: 'willow_outgoing_MMS_count',
  num_mms_r: 'willow_incoming_MMS_count',
  num_in_call: 'willow_incoming_call_count',
  num_in_caller: 'willow_incoming_call_degree',
  total_time_in_call: 'willow_incoming_call_duration',
  num_out_call: 'willow_outgoing_call_count',
  num_out_caller: 'willow_outgoing_call_degree',
  total_time_out_call: 'willow_outgoing_call_duration',
  num_mis_call: 'willow_missed_call_count',
  num_mis_caller: 'willow_missed_callers',
  text_reciprocity_incoming: 'willow_incoming_text_reciprocity',
  text_reciprocity_outgoing: 'willow_outgoing_text_reciprocity',
  num_uniq_individuals_call_or_text: 'willow_uniq_individual_call_or_text_count',
  // Sycamore's counts. Its deliveries and times from delivery come from the push records instead
  // (`surveyDeliveriesByDay`, `surveyOpeningsByDay`): ours run from first display (docs/features.md).
  num_opened_surveys: 'sycamore_total_opened_surveys',
  num_submitted_surveys: 'sycamore_total_completed_surveys',
  walking_time: 'oak_walking_time',
  steps: 'oak_steps',
  cadence: 'oak_cadence',
};

export const SUMMARY_STATISTIC_FIELDS = Object.values(FOREST_TO_BEIWE).sort();

export type SummaryStatisticRow = {
  date: string;
  participant_id: string;
  study_id: string;
  timezone: string;
} & Record<string, string | number | null>;

/**
 * The rows of a study's participants (Beiwe patient ids; all if none given) for local days in
 * [start, end] (either open), ordered by participant then date.
 */
export async function summaryStatistics(
  db: Knex,
  query: { studyId: number; participantIds?: readonly string[]; startDate?: string; endDate?: string }
): Promise<SummaryStatisticRow[]> {
  const rows = (await db('daily_features as f')
    .join('participants as p', 'p.id', 'f.participant_id')
    .join('studies as s', 's.id', 'p.study_id')
    .join('beiwe_participants as b', 'b.participant_id', 'p.id')
    .where('p.study_id', query.studyId)
    .where('f.source', 'phone')
    .whereIn('f.feature', Object.keys(FOREST_TO_BEIWE))
    .modify((q) => {
      if (query.participantIds) void q.whereIn('b.patient_id', query.participantIds);
      if (query.startDate) void q.where('f.day', '>=', query.startDate);
      if (query.endDate) void q.where('f.day', '<=', query.endDate);
    })
    .orderBy(['b.patient_id', 'f.day'])
    .select(
      'b.patient_id',
      's.object_id',
      's.timezone',
      db.raw("DATE_FORMAT(f.day, '%Y-%m-%d') AS day"),
      'f.feature',
      'f.value'
    )) as {
    patient_id: string;
    object_id: string;
    timezone: string;
    day: string;
    feature: string;
    value: number | null;
  }[];
  const out: SummaryStatisticRow[] = [];
  let current: SummaryStatisticRow | undefined;
  for (const r of rows) {
    if (!current || current.participant_id !== r.patient_id || current.date !== r.day) {
      current = { date: r.day, participant_id: r.patient_id, study_id: r.object_id, timezone: r.timezone };
      for (const field of SUMMARY_STATISTIC_FIELDS) current[field] = null;
      out.push(current);
    }
    current[FOREST_TO_BEIWE[r.feature]!] = r.value;
  }
  return out;
}
