import type { Knex } from 'knex';

/**
 * Calls and texts are logged by Android phones only. The first definition of the daily features
 * wrote sociability rows for everyone else too (NULL with coverage 0 on iOS, zeros for a participant
 * without a phone); such a day now has no sociability row at all, so nothing reads as "nobody
 * called". The feature names are willow's as they stood then (docs/features.md).
 */
const SOCIABILITY = [
  'num_in_call',
  'num_out_call',
  'num_mis_call',
  'num_in_caller',
  'num_out_caller',
  'num_mis_caller',
  'total_time_in_call',
  'total_time_out_call',
  'num_s',
  'num_r',
  'num_mms_s',
  'num_mms_r',
  'num_s_tel',
  'num_r_tel',
  'total_char_s',
  'total_char_r',
  'num_uniq_individuals_call_or_text',
];

export async function up(knex: Knex): Promise<void> {
  await knex('daily_features')
    .where('source', 'phone')
    .whereIn('feature', SOCIABILITY)
    .whereNotIn('participant_id', knex('beiwe_participants').where('os_type', 'ANDROID').select('participant_id'))
    .delete();
}

/** The rows said nothing: a rebuild under the old code would write them again. */
export async function down(): Promise<void> {}
