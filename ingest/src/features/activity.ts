import type { Knex } from 'knex';
import type { DayWindow } from './local-time.ts';

/** Forest oak's daily columns (`walking_time` s, `steps`, `cadence` Hz = steps per second walked). */
export const ACTIVITY_FEATURES = ['walking_time', 'steps', 'cadence'] as const;
export type ActivityFeature = (typeof ACTIVITY_FEATURES)[number];

export type DayActivity = {
  day: string;
  features: Record<ActivityFeature, number | null>;
  coverage: number;
};

/**
 * Walking per local day from `walking_minutes` (features/oak.ts ran on each upload as it was
 * parsed). Coverage is the share of the day's minutes holding any accelerometer row
 * (`motion_minutes`); a day without one has no value, as oak writes no row for a day without a file.
 * Steps are truncated to a whole number and cadence is the mean step frequency of the seconds walked,
 * as oak's daily output.
 */
export async function activityFeatures(
  db: Knex,
  participantId: number,
  windows: ReadonlyMap<string, DayWindow>
): Promise<DayActivity[]> {
  const all = [...windows.values()];
  if (all.length === 0) return [];
  const from = new Date(Math.min(...all.map((w) => w.start)));
  const to = new Date(Math.max(...all.map((w) => w.end)));
  const [walking, observed] = await Promise.all([
    db('walking_minutes')
      .where({ participant_id: participantId })
      .where('minute', '>=', from)
      .where('minute', '<', to)
      .select('minute', 'walking_s', 'steps') as Promise<{ minute: Date; walking_s: number; steps: number }[]>,
    // Counted per quarter-hour, which never straddles a local midnight (offsets are whole quarters).
    db('motion_minutes')
      .where({ participant_id: participantId, stream: 'accelerometer' })
      .where('minute', '>=', from)
      .where('minute', '<', to)
      .groupByRaw('quarter')
      .select(db.raw('FLOOR(UNIX_TIMESTAMP(minute) / 900) AS quarter'), db.raw('COUNT(*) AS minutes')) as Promise<
      { quarter: number; minutes: number }[]
    >,
  ]);
  return [...windows].map(([day, w]) => {
    const inDay = (t: Date) => t.getTime() >= w.start && t.getTime() < w.end;
    let minutes = 0;
    for (const q of observed) if (inDay(new Date(Number(q.quarter) * 900_000))) minutes += Number(q.minutes);
    const coverage = minutes / ((w.end - w.start) / 60_000);
    if (minutes === 0) return { day, features: { walking_time: null, steps: null, cadence: null }, coverage };
    let seconds = 0;
    let steps = 0;
    for (const m of walking) {
      if (!inDay(m.minute)) continue;
      seconds += m.walking_s;
      steps += m.steps;
    }
    return {
      day,
      // The per-minute sums add up fractional steps: a little slack keeps 53.99999 from becoming 53.
      features: {
        walking_time: seconds,
        steps: Math.floor(steps + 1e-6),
        cadence: seconds > 0 ? steps / seconds : null,
      },
      coverage,
    };
  });
}
