import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { test } from '../test/fixtures.ts';
import { emptyBatch, type DailyVitalsRow, type ExerciseRow, type SleepSessionRow } from '../wearables/rows.ts';
import { writeBatch, type Owner } from '../wearables/writer.ts';
import { preferredDaily, preferredSessions } from './records.ts';
import type { Priorities } from './schemas.ts';
import { saveSourcePriorities } from './store.ts';
import { patientWithWearables } from './testing.ts';

/** Fixed past instants: nothing here compares with the clock. */
const now = new Date('2026-11-20T12:00:00.000Z');
const at = (iso: string) => new Date(`${iso}.000Z`);

const night = (device: string, id: string, from: string, to: string): SleepSessionRow => ({
  device,
  utc_offset_min: 60,
  session_id: id,
  start_at: at(from),
  end_at: at(to),
  local_date: to.slice(0, 10),
  asleep_s: null,
  awake_s: null,
  light_s: null,
  deep_s: null,
  rem_s: null,
  score: null,
  stages: null,
});

/**
 * Withings' mat night, Fitbit's night overlapping it, Polar's early-morning session overlapping
 * Fitbit's only and a Polar nap overlapping nothing; with `watch`, also a Withings watch night.
 */
async function nights(db: Knex, priorities: Priorities, watch = false) {
  const p = await patientWithWearables(db, priorities, now);
  const write = (owner: Owner, sleepSessions: SleepSessionRow[]) =>
    writeBatch(db, owner, { ...emptyBatch(), sleepSessions }, now);
  await write(p.owners.withings, [
    night('Sleep Analyzer', 'w-night', '2026-11-19T22:30:00', '2026-11-20T06:30:00'),
    ...(watch ? [night('ScanWatch 2', 'w-watch', '2026-11-19T22:40:00', '2026-11-20T06:20:00')] : []),
  ]);
  await write(p.owners.fitbit, [night('Charge 6', 'f1', '2026-11-19T23:00:00', '2026-11-20T07:00:00')]);
  await write(p.owners.polar, [
    night('Polar Ignite 3', 'p1', '2026-11-20T06:45:00', '2026-11-20T07:30:00'),
    night('Polar Ignite 3', 'p2', '2026-11-20T13:00:00', '2026-11-20T13:40:00'),
  ]);
  return p;
}

const ids = (rows: Record<string, unknown>[]) => rows.map((r) => r.session_id ?? r.exercise_id);

describe('the preferred sleep sessions', () => {
  test('a lower-ranked session overlapping a better one is dropped, never summed; the order swapped, the other way', async ({
    db,
  }) => {
    // The default order: Fitbit, Withings, Polar.
    const p = await nights(db, {});
    expect(ids(await preferredSessions(db, 'sleep_sessions', p.id))).toEqual(['f1', 'p2']);

    // Withings first: Fitbit's night, overlapping it, goes. Polar's early-morning session overlaps
    // only Fitbit's, which still ranks better: it goes too (decided session by session, not chained).
    await saveSourcePriorities(db, p.studyId, { sleep: [{ source: 'withings' }] }, now);
    expect(ids(await preferredSessions(db, 'sleep_sessions', p.id))).toEqual(['w-night', 'p2']);

    // The raw rows of every source stay.
    expect(await db('sleep_sessions').where({ participant_id: p.id }).count({ n: '*' })).toEqual([{ n: 4 }]);
  });

  test('a device entry ranks that device only: the Withings mat over Fitbit over the Withings watch', async ({
    db,
  }) => {
    const p = await nights(
      db,
      { sleep: [{ source: 'withings', device: 'Sleep Analyzer' }, { source: 'fitbit' }] },
      true
    );
    const rows = await preferredSessions(db, 'sleep_sessions', p.id);
    expect(ids(rows)).toEqual(['w-night', 'p2']);
    expect(rows[0]).toMatchObject({ source: 'withings', device: 'Sleep Analyzer' });
    // "Any Withings device": the mat and the watch tie, and the device name decides between them.
    await saveSourcePriorities(db, p.studyId, { sleep: [{ source: 'withings' }] }, now);
    expect(ids(await preferredSessions(db, 'sleep_sessions', p.id))).toEqual(['w-watch', 'p2']);
  });

  test('a window decides with the sessions around it: better ones starting before it or after it still drop one inside', async ({
    db,
  }) => {
    const p = await nights(db, {});
    const window = (from: string, to: string) => preferredSessions(db, 'sleep_sessions', p.id, at(from), at(to));
    // Withings' night starts inside, Fitbit's better one after the window.
    expect(ids(await window('2026-11-19T22:30:00', '2026-11-19T22:31:00'))).toEqual([]);
    expect(ids(await window('2026-11-19T22:30:00', '2026-11-20T00:00:00'))).toEqual(['f1']);
    // Fitbit's night starts inside, Withings' better one before the window.
    await saveSourcePriorities(db, p.studyId, { sleep: [{ source: 'withings' }] }, now);
    expect(ids(await window('2026-11-19T23:00:00', '2026-11-19T23:01:00'))).toEqual([]);
    expect(ids(await window('2026-11-19T22:00:00', '2026-11-19T23:01:00'))).toEqual(['w-night']);
  });
});

describe('the preferred workouts', () => {
  const run = (device: string, id: string, start: string, minutes: number): ExerciseRow => ({
    device,
    utc_offset_min: 60,
    exercise_id: id,
    start_at: at(start),
    duration_s: minutes * 60,
    sport: 'running',
    calories_kcal: null,
    distance_m: null,
    hr_avg_bpm: null,
    hr_max_bpm: null,
    hr_zones: [],
  });

  test('one run recorded by the Polar watch and the Fitbit: one of them by priority; a run touching it stays', async ({
    db,
  }) => {
    const p = await patientWithWearables(db, {}, now);
    const write = (owner: Owner, exercises: ExerciseRow[]) =>
      writeBatch(db, owner, { ...emptyBatch(), exercises }, now);
    await write(p.owners.polar, [run('Polar Vantage V3', 'p-run', '2026-11-20T08:00:00', 45)]);
    // Starts as Polar's ends: touching, not overlapping.
    await write(p.owners.fitbit, [
      run('Charge 6', 'f-run', '2026-11-20T08:01:00', 43),
      run('Charge 6', 'f-walk', '2026-11-20T08:45:00', 20),
    ]);
    expect(ids(await preferredSessions(db, 'exercises', p.id))).toEqual(['p-run', 'f-walk']);
    await saveSourcePriorities(db, p.studyId, { workouts: [{ source: 'fitbit' }] }, now);
    expect(ids(await preferredSessions(db, 'exercises', p.id))).toEqual(['f-run', 'f-walk']);
  });
});

describe('the preferred daily values', () => {
  const vitals = (device: string | null, local_date: string, values: Partial<DailyVitalsRow>): DailyVitalsRow => ({
    device,
    local_date,
    ...values,
  });

  test('per local day, each measurement from the best-ranked source with a value; single-vendor columns stay', async ({
    db,
  }) => {
    const p = await patientWithWearables(db, { daily_hrv: [{ source: 'fitbit' }] }, now);
    await writeBatch(
      db,
      p.owners.fitbit,
      {
        ...emptyBatch(),
        dailyVitals: [
          vitals('Charge 6', '2026-11-19', { hrv_rmssd_ms: 30, breaths_per_min: 15, spo2_avg_pct: 96 }),
          vitals('Charge 6', '2026-11-20', { spo2_avg_pct: 95 }),
        ],
      },
      now
    );
    await writeBatch(
      db,
      p.owners.polar,
      {
        ...emptyBatch(),
        dailyVitals: [
          vitals(null, '2026-11-19', { hrv_rmssd_ms: 44, breaths_per_min: 14, skin_temperature_c: 33.5 }),
          vitals(null, '2026-11-20', { hrv_rmssd_ms: 42, breaths_per_min: 13, ans_charge: 1.5 }),
        ],
      },
      now
    );
    const pick = (r: Record<string, unknown>) => [
      (r.local_date as Date).toISOString().slice(0, 10),
      r.source,
      r.hrv_rmssd_ms,
      r.breaths_per_min === null ? null : Number(r.breaths_per_min),
      r.skin_temperature_c,
      r.spo2_avg_pct === null ? null : Number(r.spo2_avg_pct),
      r.ans_charge,
    ];
    expect((await preferredDaily(db, 'daily_vitals', p.id)).map(pick)).toEqual([
      // Fitbit's HRV (the study's list) and breathing (default order); Polar's skin temperature,
      // which Fitbit has none of that day.
      ['2026-11-19', 'fitbit', 30, 15, null, 96, null],
      ['2026-11-19', 'polar', null, null, 33.5, null, null],
      // Fitbit has only SpO2 that day: Polar's HRV and breathing fill it, its ANS charge stays.
      ['2026-11-20', 'fitbit', null, null, null, 95, null],
      ['2026-11-20', 'polar', 42, 13, null, null, 1.5],
    ]);
  });

  test('resting heart rate: the default order, then a device entry of the study', async ({ db }) => {
    const p = await patientWithWearables(db, {}, now);
    await writeBatch(
      db,
      p.owners.fitbit,
      { ...emptyBatch(), restingHeartRate: [{ device: 'Charge 6', local_date: '2026-11-20', bpm: 58 }] },
      now
    );
    await writeBatch(
      db,
      p.owners.polar,
      {
        ...emptyBatch(),
        restingHeartRate: [
          { device: 'Polar Grit X2', local_date: '2026-11-20', bpm: 55 },
          { device: 'Polar Grit X2', local_date: '2026-11-21', bpm: 54 },
        ],
      },
      now
    );
    const days = async () =>
      (await preferredDaily(db, 'resting_heart_rate', p.id)).map((r) => [
        (r.local_date as Date).toISOString().slice(0, 10),
        r.source,
        r.bpm,
      ]);
    expect(await days()).toEqual([
      ['2026-11-20', 'fitbit', 58],
      ['2026-11-21', 'polar', 54],
    ]);
    // An entry naming another Polar device leaves this one in the default order, after Fitbit.
    await saveSourcePriorities(
      db,
      p.studyId,
      { resting_heart_rate: [{ source: 'polar', device: 'Polar Vantage V3' }] },
      now
    );
    expect((await days())[0]).toEqual(['2026-11-20', 'fitbit', 58]);
    await saveSourcePriorities(
      db,
      p.studyId,
      { resting_heart_rate: [{ source: 'polar', device: 'Polar Grit X2' }] },
      now
    );
    expect(await days()).toEqual([
      ['2026-11-20', 'polar', 55],
      ['2026-11-21', 'polar', 54],
    ]);
    // A window of one day.
    expect(
      (await preferredDaily(db, 'resting_heart_rate', p.id, at('2026-11-21T00:00:00'), at('2026-11-22T00:00:00')))
        .length
    ).toBe(1);
  });
});
