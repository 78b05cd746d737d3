import type { Knex } from 'knex';
import type { DayWindow } from './local-time.ts';

/**
 * Wearable activity and sleep per local day and source (each provider side by side, never merged):
 * the providers' own daily figures where they give one, else sums of their intervals. Coverage is the
 * share of the day the intervals cover for interval data, 1 for a provider's daily figure.
 */
export const WEARABLE_SOURCE_FEATURES = [
  'steps',
  'active_minutes',
  'resting_heart_rate',
  'sleep_duration',
  'sleep_efficiency',
  'hrv_rmssd',
] as const;

export type WearableFeature = {
  day: string;
  feature: (typeof WEARABLE_SOURCE_FEATURES)[number];
  source: string;
  value: number | null;
  coverage: number;
};

export async function wearableFeatures(
  db: Knex,
  participantId: number,
  windows: readonly DayWindow[]
): Promise<WearableFeature[]> {
  const days = windows.map((w) => w.day);
  const from = new Date(Math.min(...windows.map((w) => w.start)));
  const to = new Date(Math.max(...windows.map((w) => w.end)));
  const [daily, intervals, resting, sleep, hrv] = await Promise.all([
    db('daily_activity')
      .where({ participant_id: participantId })
      .whereIn('local_date', days)
      .groupBy('source', 'local_date')
      .select(
        'source',
        db.raw("DATE_FORMAT(local_date, '%Y-%m-%d') AS day"),
        db.raw('SUM(steps) AS steps'),
        db.raw('SUM(active_duration_s) AS active_s')
      ) as Promise<{ source: string; day: string; steps: number | null; active_s: number | null }[]>,
    db('steps')
      .where({ participant_id: participantId })
      .where('start_at', '>=', from)
      .where('start_at', '<', to)
      .select('source', 'start_at', 'end_at', 'steps') as Promise<
      { source: string; start_at: Date; end_at: Date; steps: number }[]
    >,
    db('resting_heart_rate')
      .where({ participant_id: participantId })
      .whereIn('local_date', days)
      .groupBy('source', 'local_date')
      .select('source', db.raw("DATE_FORMAT(local_date, '%Y-%m-%d') AS day"), db.raw('AVG(bpm) AS bpm')) as Promise<
      { source: string; day: string; bpm: number }[]
    >,
    db('sleep_sessions')
      .where({ participant_id: participantId })
      .whereIn('local_date', days)
      .groupBy('source', 'local_date')
      .select(
        'source',
        db.raw("DATE_FORMAT(local_date, '%Y-%m-%d') AS day"),
        db.raw('SUM(asleep_s) AS asleep_s'),
        db.raw('SUM(awake_s) AS awake_s')
      ) as Promise<{ source: string; day: string; asleep_s: number | null; awake_s: number | null }[]>,
    db('hrv')
      .where({ participant_id: participantId })
      .where('measured_at', '>=', from)
      .where('measured_at', '<', to)
      .whereNotNull('rmssd_ms')
      .select('source', 'measured_at', 'rmssd_ms') as Promise<
      { source: string; measured_at: Date; rmssd_ms: number }[]
    >,
  ]);
  const out: WearableFeature[] = [];
  const num = (x: number | string | null) => (x === null ? null : Number(x));
  const dailySteps = new Set<string>();
  for (const r of daily) {
    if (r.steps !== null) {
      dailySteps.add(`${r.source}:${r.day}`);
      out.push({ day: r.day, feature: 'steps', source: r.source, value: num(r.steps), coverage: 1 });
    }
    if (r.active_s !== null)
      out.push({ day: r.day, feature: 'active_minutes', source: r.source, value: num(r.active_s)! / 60, coverage: 1 });
  }
  for (const w of windows) {
    const bySource = new Map<string, { steps: number; ms: number }>();
    for (const s of intervals) {
      const t = s.start_at.getTime();
      if (t < w.start || t >= w.end || dailySteps.has(`${s.source}:${w.day}`)) continue;
      const acc = bySource.get(s.source) ?? { steps: 0, ms: 0 };
      acc.steps += s.steps;
      acc.ms += s.end_at.getTime() - t;
      bySource.set(s.source, acc);
    }
    for (const [source, acc] of bySource)
      out.push({
        day: w.day,
        feature: 'steps',
        source,
        value: acc.steps,
        coverage: Math.min(1, acc.ms / (w.end - w.start)),
      });
    const rmssd = new Map<string, number[]>();
    for (const h of hrv) {
      const t = h.measured_at.getTime();
      if (t >= w.start && t < w.end) rmssd.set(h.source, [...(rmssd.get(h.source) ?? []), h.rmssd_ms]);
    }
    for (const [source, xs] of rmssd)
      out.push({
        day: w.day,
        feature: 'hrv_rmssd',
        source,
        value: xs.reduce((a, b) => a + b, 0) / xs.length,
        coverage: 1,
      });
  }
  for (const r of resting)
    out.push({ day: r.day, feature: 'resting_heart_rate', source: r.source, value: num(r.bpm), coverage: 1 });
  for (const r of sleep) {
    const asleep = num(r.asleep_s);
    const awake = num(r.awake_s);
    if (asleep === null) continue;
    out.push({ day: r.day, feature: 'sleep_duration', source: r.source, value: asleep / 3600, coverage: 1 });
    if (awake !== null && asleep + awake > 0)
      out.push({
        day: r.day,
        feature: 'sleep_efficiency',
        source: r.source,
        value: asleep / (asleep + awake),
        coverage: 1,
      });
  }
  return out;
}
