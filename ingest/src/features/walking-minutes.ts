import type { Knex } from 'knex';
import type { TimeRange } from '../streams/rollups.ts';
import { walkingSeconds, type WalkingSecond } from './oak.ts';

/** A minute of `walking_minutes`: seconds found walking that start in it, and their steps. */
export type WalkingMinute = { walkingS: number; steps: number };

/** Adds walking seconds to the minutes they start in. */
export function addWalkingSeconds(into: Map<number, WalkingMinute>, seconds: readonly WalkingSecond[]): void {
  for (const s of seconds) {
    const minute = s.t - (s.t % 60_000);
    const m = into.get(minute) ?? { walkingS: 0, steps: 0 };
    m.walkingS++;
    m.steps += s.cadence;
    into.set(minute, m);
  }
}

/** The walking in an upload's accelerometer samples, sorted first if the file was not in time order. */
export function walkingOfSamples(samples: { times: number[]; magnitudes: number[] }): WalkingSecond[] {
  const { times, magnitudes } = samples;
  let ordered = true;
  for (let i = 1; i < times.length && ordered; i++) ordered = times[i]! >= times[i - 1]!;
  if (ordered) return walkingSeconds(times, magnitudes);
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]!);
  return walkingSeconds(
    order.map((i) => times[i]!),
    order.map((i) => magnitudes[i]!)
  );
}

/**
 * Adds the walking of rows just stored (every one of them new, so no other upload counted them)
 * to `walking_minutes`. Adding rather than overwriting keeps a minute right when two uploads share it.
 */
export async function addWalkingMinutes(
  trx: Knex,
  participantId: number,
  minutes: ReadonlyMap<number, WalkingMinute>
): Promise<void> {
  const rows = [...minutes].sort(([a], [b]) => a - b);
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await trx.raw(
      `INSERT INTO walking_minutes (participant_id, minute, walking_s, steps)
       VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE walking_s = walking_s + VALUES(walking_s), steps = steps + VALUES(steps)`,
      chunk.flatMap(([minute, m]) => [participantId, new Date(minute), m.walkingS, m.steps])
    );
  }
}

/**
 * Recomputes the walking of whole minutes from the stored accelerometer rows: only for an upload
 * some of whose rows were already stored (a file sent again), where adding would count them twice.
 */
export async function walkFromTable(trx: Knex, participantId: number, range: TimeRange): Promise<void> {
  const rows = (await trx('accelerometer')
    .where({ participant_id: participantId })
    .where('t', '>=', range.from)
    .where('t', '<', range.to)
    .orderBy('t')
    .select('t', trx.raw('SQRT(x_ms2 * x_ms2 + y_ms2 * y_ms2 + z_ms2 * z_ms2) AS mag'))) as { t: Date; mag: number }[];
  const minutes = new Map<number, WalkingMinute>();
  addWalkingSeconds(
    minutes,
    walkingSeconds(
      rows.map((r) => r.t.getTime()),
      rows.map((r) => r.mag)
    )
  );
  await trx('walking_minutes')
    .where({ participant_id: participantId })
    .where('minute', '>=', range.from)
    .where('minute', '<', range.to)
    .delete();
  await addWalkingMinutes(trx, participantId, minutes);
}
