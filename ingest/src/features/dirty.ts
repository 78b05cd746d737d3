import type { Knex } from 'knex';

/**
 * Participant-days whose rows changed since their features were computed. The upload worker marks
 * the days a batch loaded rows into (in its transaction), and so can any other writer; whoever
 * computes takes the marks in the same transaction as it stores the features. A mark keeps the time
 * it was first made: marks are computed once `FEATURE_DELAY_MS` old, so a phone sending a day's
 * backlog in hundreds of uploads has that day computed about once a minute, not once a batch.
 */
export const FEATURE_DELAY_MS = 60_000;

export async function markFeatureDays(
  db: Knex,
  participantId: number,
  days: Iterable<string>,
  now: Date
): Promise<void> {
  const unique = [...new Set(days)].sort();
  if (unique.length === 0) return;
  await db('daily_feature_dirty')
    .insert(unique.map((day) => ({ participant_id: participantId, day, marked_at: now })))
    .onConflict(['participant_id', 'day'])
    .ignore();
}

/**
 * Removes and returns the marks made before `due`, by participant: of the given participants, or
 * else up to `limit` of anyone's, skipping those an upload batch is writing.
 */
export async function takeFeatureDays(
  trx: Knex,
  due: Date,
  participantIds?: readonly number[],
  limit = 1_000
): Promise<Map<number, string[]>> {
  const rows = (await trx('daily_feature_dirty')
    .where('marked_at', '<=', due)
    .modify((q) => {
      if (participantIds) void q.whereIn('participant_id', participantIds).forUpdate();
      else void q.limit(limit).forUpdate().skipLocked();
    })
    .orderBy(['participant_id', 'day'])
    .select('participant_id', trx.raw("DATE_FORMAT(day, '%Y-%m-%d') AS day"))) as {
    participant_id: number;
    day: string;
  }[];
  const byParticipant = new Map<number, string[]>();
  for (const r of rows) byParticipant.set(r.participant_id, [...(byParticipant.get(r.participant_id) ?? []), r.day]);
  for (const [participantId, days] of byParticipant)
    await trx('daily_feature_dirty').where({ participant_id: participantId }).whereIn('day', days).delete();
  return byParticipant;
}

/**
 * The days whose features a batch's streams change. Every stream counts, since a day with GPS but no
 * call says "no calls" only once computed. The accelerometer counts for walking (its per-minute
 * result, `walking_minutes`); the other motion streams are left out: no feature reads them.
 */
export function featureDays(streams: readonly { stream: string; days: readonly { day: string }[] }[]): string[] {
  return streams.filter((s) => !MOTION_STREAMS.has(s.stream)).flatMap((s) => s.days.map((d) => d.day));
}

const MOTION_STREAMS: ReadonlySet<string> = new Set(['gyro', 'magnetometer', 'devicemotion']);

type WearableRows = {
  restingHeartRate: readonly { local_date: string }[];
  dailyActivity: readonly { local_date: string }[];
  sleepSessions: readonly { local_date: string }[];
  steps: readonly { start_at: Date; utc_offset_min: number }[];
  hrv: readonly { measured_at: Date; utc_offset_min: number }[];
};

/** The local days a wearable batch's feature inputs fall on (interval rows by the device's own UTC offset). */
export function wearableFeatureDays(batch: WearableRows): string[] {
  const local = (t: Date, offsetMin: number) => new Date(t.getTime() + offsetMin * 60_000).toISOString().slice(0, 10);
  return [
    ...batch.restingHeartRate.map((r) => r.local_date),
    ...batch.dailyActivity.map((r) => r.local_date),
    ...batch.sleepSessions.map((r) => r.local_date),
    ...batch.steps.map((r) => local(r.start_at, r.utc_offset_min)),
    ...batch.hrv.map((r) => local(r.measured_at, r.utc_offset_min)),
  ];
}
