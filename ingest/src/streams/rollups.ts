import type { Knex } from 'knex';
import type { MinuteStats } from './rows.ts';

/**
 * Per-minute summaries, recomputed from the raw rows for the minutes an upload touched. Recomputing
 * (rather than adding) keeps them exact when an upload is processed again.
 */

/** Magnitude in the stream's normalised unit: m/s² (accelerometer, devicemotion user acceleration), rad/s, µT. */
const MOTION_MAGNITUDE: Readonly<Record<string, string>> = {
  accelerometer: 'SQRT(x_ms2 * x_ms2 + y_ms2 * y_ms2 + z_ms2 * z_ms2)',
  gyro: 'SQRT(x_rad_s * x_rad_s + y_rad_s * y_rad_s + z_rad_s * z_rad_s)',
  magnetometer: 'SQRT(x_ut * x_ut + y_ut * y_ut + z_ut * z_ut)',
  devicemotion:
    'SQRT(user_accel_x_g * user_accel_x_g + user_accel_y_g * user_accel_y_g + user_accel_z_g * user_accel_z_g) * 9.80665',
};

const MINUTE = 'FROM_UNIXTIME(FLOOR(UNIX_TIMESTAMP(t) / 60) * 60)';

export type TimeRange = { from: Date; to: Date };

/** The whole minutes covering [minMs, maxMs]. */
export function minutesCovering(minMs: number, maxMs: number): TimeRange {
  return {
    from: new Date(Math.floor(minMs / 60_000) * 60_000),
    to: new Date(Math.floor(maxMs / 60_000) * 60_000 + 60_000),
  };
}

export async function rollUpMotion(trx: Knex, stream: string, participantId: number, range: TimeRange): Promise<void> {
  const magnitude = MOTION_MAGNITUDE[stream];
  if (!magnitude) throw new Error(`no motion rollup for ${stream}`);
  await trx.raw(
    `INSERT INTO motion_minutes (participant_id, stream, minute, n, mag_sum, mag_sq_sum, mag_min, mag_max)
     SELECT participant_id, ?, minute, COUNT(*), SUM(mag), SUM(mag * mag), MIN(mag), MAX(mag)
     FROM (SELECT participant_id, ${MINUTE} AS minute, ${magnitude} AS mag FROM ?? WHERE participant_id = ? AND t >= ? AND t < ?) AS s
     GROUP BY participant_id, minute
     ON DUPLICATE KEY UPDATE n = VALUES(n), mag_sum = VALUES(mag_sum), mag_sq_sum = VALUES(mag_sq_sum),
       mag_min = VALUES(mag_min), mag_max = VALUES(mag_max)`,
    [stream, stream, participantId, range.from, range.to]
  );
}

/**
 * Adds rows just stored (every one of them new) to the minutes they fall in, from the magnitudes
 * the parser computed: no second pass over the raw rows. Only minutes without a rollup yet are
 * added to; returns the others (stored rows of an earlier upload, or history whose raw rows
 * retention dropped) as ranges to recompute from the table. Adding rather than overwriting keeps a
 * minute right when another worker's upload creates it first.
 */
export async function addMotionMinutes(
  trx: Knex,
  stream: string,
  participantId: number,
  minutes: ReadonlyMap<number, MinuteStats>
): Promise<TimeRange[]> {
  if (minutes.size === 0) return [];
  const keys = [...minutes.keys()].sort((a, b) => a - b);
  const existing = (await trx('motion_minutes')
    .where({ participant_id: participantId, stream })
    .whereBetween('minute', [new Date(keys[0]!), new Date(keys.at(-1)!)])
    .pluck('minute')) as Date[];
  const taken = new Set(existing.map((d) => d.getTime()));
  const fresh = keys.filter((k) => !taken.has(k));
  for (let i = 0; i < fresh.length; i += 1000) {
    const rows = fresh.slice(i, i + 1000).map((k) => {
      const s = minutes.get(k)!;
      return [participantId, stream, new Date(k), s.n, s.sum, s.sqSum, s.min, s.max];
    });
    await trx.raw(
      `INSERT INTO motion_minutes (participant_id, stream, minute, n, mag_sum, mag_sq_sum, mag_min, mag_max)
       VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE n = n + VALUES(n), mag_sum = mag_sum + VALUES(mag_sum),
         mag_sq_sum = mag_sq_sum + VALUES(mag_sq_sum), mag_min = LEAST(mag_min, VALUES(mag_min)),
         mag_max = GREATEST(mag_max, VALUES(mag_max))`,
      rows.flat()
    );
  }
  return [...taken].map((k) => ({ from: new Date(k), to: new Date(k + 60_000) }));
}

export async function rollUpGps(trx: Knex, participantId: number, range: TimeRange): Promise<void> {
  await trx.raw(
    `INSERT INTO gps_minutes (participant_id, minute, n, first_t, latitude, longitude, altitude_m, accuracy_m)
     SELECT g.participant_id, m.minute, m.n, g.t, g.latitude, g.longitude, g.altitude_m, g.accuracy_m
     FROM (SELECT participant_id, ${MINUTE} AS minute, COUNT(*) AS n, MIN(t) AS first_t
           FROM gps WHERE participant_id = ? AND t >= ? AND t < ? GROUP BY participant_id, minute) AS m
     JOIN gps AS g ON g.participant_id = m.participant_id AND g.t = m.first_t
     ON DUPLICATE KEY UPDATE n = VALUES(n), first_t = VALUES(first_t), latitude = VALUES(latitude),
       longitude = VALUES(longitude), altitude_m = VALUES(altitude_m), accuracy_m = VALUES(accuracy_m)`,
    [participantId, range.from, range.to]
  );
}
