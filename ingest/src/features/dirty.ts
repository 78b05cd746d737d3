import type { Knex } from 'knex';

/**
 * Participant-days whose rows changed since their features were computed. The upload worker marks
 * the days a batch loaded rows into (in its transaction), and so can any other writer; whoever
 * computes takes the marks in the same transaction as it stores the features.
 */
export async function markFeatureDays(db: Knex, participantId: number, days: Iterable<string>, now: Date): Promise<void> {
  const unique = [...new Set(days)].sort();
  if (unique.length === 0) return;
  await db('daily_feature_dirty')
    .insert(unique.map((day) => ({ participant_id: participantId, day, marked_at: now })))
    .onConflict(['participant_id', 'day'])
    .merge(['marked_at']);
}

/** Removes and returns the marked days of the given participants (all participants if none given), by participant. */
export async function takeFeatureDays(trx: Knex, participantIds?: readonly number[], limit = 10_000): Promise<Map<number, string[]>> {
  const rows = (await trx('daily_feature_dirty')
    .modify((q) => void (participantIds && q.whereIn('participant_id', participantIds)))
    .orderBy(['participant_id', 'day'])
    .limit(limit)
    .forUpdate()
    .select('participant_id', trx.raw("DATE_FORMAT(day, '%Y-%m-%d') AS day"))) as { participant_id: number; day: string }[];
  const byParticipant = new Map<number, string[]>();
  for (const r of rows) byParticipant.set(r.participant_id, [...(byParticipant.get(r.participant_id) ?? []), r.day]);
  for (const [participantId, days] of byParticipant)
    await trx('daily_feature_dirty').where({ participant_id: participantId }).whereIn('day', days).delete();
  return byParticipant;
}

/**
 * The days whose features a batch's streams change. Every stream counts, since a day with GPS but no
 * call says "no calls" only once computed. Accelerometer and the other motion streams are left out:
 * no feature reads them, and they are most of the uploads.
 */
export function featureDays(streams: readonly { stream: string; days: readonly { day: string }[] }[]): string[] {
  return streams.filter((s) => !MOTION_STREAMS.has(s.stream)).flatMap((s) => s.days.map((d) => d.day));
}

const MOTION_STREAMS: ReadonlySet<string> = new Set(['accelerometer', 'gyro', 'magnetometer', 'devicemotion']);
