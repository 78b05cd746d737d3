import type { Knex } from 'knex';
import { markFeatureDays, wearableFeatureDays } from '../features/dirty.ts';
import type { ProviderId } from '../providers/provider.ts';
import type { Batch } from './rows.ts';
import { BODY_COLUMNS, DAILY_ACTIVITY_COLUMNS, DAILY_VITALS_COLUMNS, HEART_RHYTHM_COLUMNS, batchSize } from './rows.ts';

export type Owner = { readonly connectionId: number; readonly participantId: number; readonly source: ProviderId };

const CHUNK = 1000;
const MINUTE_MS = 60_000;
/** Readings further apart than this are rolled up by separate statements, not one spanning the gap. */
const RUN_GAP_MS = 3_600_000;

async function upsert(trx: Knex, table: string, rows: Record<string, unknown>[], merge?: Record<string, unknown>) {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const q = trx(table)
      .insert(rows.slice(i, i + CHUNK))
      .onConflict();
    await (merge ? q.merge(merge) : q.merge());
  }
}

type MinuteRange = { from: Date; to: Date };

/** Whole-minute ranges [from, to) covering the readings, split where they are far apart (spot readings over weeks). */
function minuteRuns(times: readonly Date[]): MinuteRange[] {
  const minutes = [...new Set(times.map((t) => Math.floor(t.getTime() / MINUTE_MS) * MINUTE_MS))].sort((a, b) => a - b);
  const runs: MinuteRange[] = [];
  for (const m of minutes) {
    const last = runs.at(-1);
    if (last && m - last.to.getTime() < RUN_GAP_MS) last.to = new Date(m + MINUTE_MS);
    else runs.push({ from: new Date(m), to: new Date(m + MINUTE_MS) });
  }
  return runs;
}

/**
 * Recomputes the participant's per-minute heart rate from this wearable's readings (every
 * connection of that provider the participant ever had) for the minutes a batch touched.
 * Recomputing rather than adding keeps the minutes exact when a provider re-sends or corrects
 * readings; a minute never loses all its readings, since readings are only overwritten.
 */
async function rollUpHeartRate(trx: Knex, owner: Owner, times: readonly Date[]) {
  for (const { from, to } of minuteRuns(times)) {
    // DATE_FORMAT truncates in the stored UTC whatever the session's time zone.
    await trx.raw(
      `INSERT INTO heart_rate_minutes (participant_id, source, minute, n, bpm_sum, bpm_min, bpm_max)
       SELECT participant_id, source, CAST(DATE_FORMAT(measured_at, '%Y-%m-%d %H:%i:00') AS DATETIME) AS minute,
         COUNT(*), SUM(bpm), MIN(bpm), MAX(bpm)
       FROM heart_rate WHERE participant_id = ? AND source = ? AND measured_at >= ? AND measured_at < ?
       GROUP BY participant_id, source, minute
       ON DUPLICATE KEY UPDATE n = VALUES(n), bpm_sum = VALUES(bpm_sum), bpm_min = VALUES(bpm_min),
         bpm_max = VALUES(bpm_max)`,
      [owner.participantId, owner.source, from, to]
    );
  }
}

/**
 * Writes a batch idempotently in one transaction: the primary keys identify a sample, so a re-read
 * overwrites with the provider's current values. A session's stages are replaced as a whole
 * (sleep is revised after the night), and the heart-rate minutes it touched are rolled up again.
 * Returns the number of rows in the batch.
 */
export async function writeBatch(db: Knex, owner: Owner, batch: Batch, now: Date): Promise<number> {
  const base = { connection_id: owner.connectionId, participant_id: owner.participantId, source: owner.source };
  const stamp = <T extends object>(rows: T[]) => rows.map((r) => ({ ...base, ...r }));
  await db.transaction(async (trx) => {
    await upsert(trx, 'heart_rate', stamp(batch.heartRate));
    await rollUpHeartRate(
      trx,
      owner,
      batch.heartRate.map((r) => r.measured_at)
    );
    await upsert(trx, 'resting_heart_rate', stamp(batch.restingHeartRate));
    await upsert(trx, 'steps', stamp(batch.steps));
    // A day's totals may come from several reads (Fitbit's steps, distance and zone minutes are
    // separate roll-ups): each fills its own columns.
    await upsert(
      trx,
      'daily_activity',
      stamp(batch.dailyActivity).map((r) => ({
        ...Object.fromEntries(DAILY_ACTIVITY_COLUMNS.map((c) => [c, null])),
        ...r,
      })),
      {
        device: trx.raw('COALESCE(VALUES(device), device)'),
        ...Object.fromEntries(DAILY_ACTIVITY_COLUMNS.map((c) => [c, trx.raw('COALESCE(VALUES(??), ??)', [c, c])])),
      }
    );
    await upsert(
      trx,
      'daily_vitals',
      stamp(batch.dailyVitals).map((r) => ({
        ...Object.fromEntries(DAILY_VITALS_COLUMNS.map((c) => [c, null])),
        ...r,
      })),
      {
        device: trx.raw('COALESCE(VALUES(device), device)'),
        ...Object.fromEntries(DAILY_VITALS_COLUMNS.map((c) => [c, trx.raw('COALESCE(VALUES(??), ??)', [c, c])])),
      }
    );
    await upsert(trx, 'spo2', stamp(batch.spo2));
    await upsert(trx, 'hrv', stamp(batch.hrv));
    await upsert(trx, 'respiratory_rate', stamp(batch.respiratory));
    // A scale and a cuff reading at the same second fill their own columns of one row.
    await upsert(
      trx,
      'body_measurements',
      stamp(batch.body).map((r) => ({ ...Object.fromEntries(BODY_COLUMNS.map((c) => [c, null])), entry: null, ...r })),
      {
        device: trx.raw('VALUES(device)'),
        utc_offset_min: trx.raw('VALUES(utc_offset_min)'),
        entry: trx.raw('COALESCE(VALUES(entry), entry)'),
        ...Object.fromEntries(BODY_COLUMNS.map((c) => [c, trx.raw('COALESCE(VALUES(??), ??)', [c, c])])),
      }
    );
    // An ECG's classification (heart list) and its intervals (Getmeas) fill their own columns.
    await upsert(
      trx,
      'heart_rhythm',
      stamp(batch.heartRhythm).map((r) => ({
        ...Object.fromEntries(HEART_RHYTHM_COLUMNS.map((c) => [c, null])),
        ...r,
      })),
      {
        device: trx.raw('COALESCE(VALUES(device), device)'),
        utc_offset_min: trx.raw('VALUES(utc_offset_min)'),
        ...Object.fromEntries(HEART_RHYTHM_COLUMNS.map((c) => [c, trx.raw('COALESCE(VALUES(??), ??)', [c, c])])),
      }
    );
    await upsert(
      trx,
      'sleepwise_periods',
      stamp(batch.sleepwise).map((r) => ({
        ...r,
        hourly_levels: r.hourly_levels ? JSON.stringify(r.hourly_levels) : null,
      }))
    );
    await upsert(
      trx,
      'exercises',
      stamp(batch.exercises).map((e) => ({ ...e, hr_zones: JSON.stringify(e.hr_zones) }))
    );
    const sessions = batch.sleepSessions.map(({ stages: _stages, ...s }) => ({ ...base, ...s }));
    await upsert(trx, 'sleep_sessions', sessions);
    const withStages = batch.sleepSessions.filter((s) => s.stages !== null);
    for (const s of withStages) {
      await trx('sleep_stages').where({ connection_id: owner.connectionId, session_id: s.session_id }).delete();
    }
    await upsert(
      trx,
      'sleep_stages',
      withStages.flatMap((s) =>
        (s.stages ?? []).map((st) => ({ connection_id: owner.connectionId, session_id: s.session_id, ...st }))
      )
    );
    await upsert(
      trx,
      'sleep_stages',
      batch.sleepStages.map((st) => ({ connection_id: owner.connectionId, ...st }))
    );
    await upsert(
      trx,
      'device_status',
      batch.devices.map((d) => ({
        connection_id: owner.connectionId,
        participant_id: owner.participantId,
        source: owner.source,
        ...d,
        first_seen_at: now,
        last_seen_at: now,
      })),
      {
        model: trx.raw('VALUES(model)'),
        device_type: trx.raw('VALUES(device_type)'),
        battery_pct: trx.raw('VALUES(battery_pct)'),
        battery_status: trx.raw('VALUES(battery_status)'),
        // Polar's stand-in (the latest data time) must never move back when older data is re-read.
        last_sync_at: trx.raw(
          'COALESCE(GREATEST(last_sync_at, VALUES(last_sync_at)), VALUES(last_sync_at), last_sync_at)'
        ),
        last_seen_at: trx.raw('VALUES(last_seen_at)'),
      }
    );
    // The scheduled features job recomputes these days (features/processor.ts).
    await markFeatureDays(trx, owner.participantId, wearableFeatureDays(batch), now);
  });
  return batchSize(batch);
}
