import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { up as dropUncollectedSociability } from '../../../migrations/src/migrations/20261207140000_drop_uncollected_sociability.ts';
import { insertParticipant, queuedUpload } from '../test/factories.ts';
import type { Upload } from '../uploads/store.ts';
import { emptyBatch } from '../wearables/rows.ts';
import { writeBatch } from '../wearables/writer.ts';
import { rebuildFeatures } from './rebuild.ts';
import { SOCIABILITY_FEATURES, type SociabilityFeature } from './sociability.ts';
import { summaryStatistics } from './summary-statistics.ts';
import { featuresTestbed } from './testing.ts';

/**
 * Features kept up to date by the upload worker's processors, uploads arriving out of order (late
 * ones included), against a rebuild from scratch; iOS, wearables and the Beiwe summary rows.
 */
describe('daily features, incrementally and rebuilt', () => {
  const ZONE = 'America/New_York';
  const t = featuresTestbed('vigil_features', new Date('2026-11-21T12:00:00Z'), ZONE);
  let uploadId = 0;

  const upload = (participantId: number, stream: string, fileMs: number, osType: string): Upload =>
    queuedUpload({
      id: ++uploadId,
      participantId,
      fileName: `pid_${stream}_${fileMs}.csv`,
      stream,
      fileTime: new Date(fileMs),
      osType,
      receivedAt: t.clock(),
    });

  const KM = 180 / (Math.PI * 6371);
  const HOUR = 3_600_000;
  /** Local midnight of 2026-11-02 in New York (EST, UTC−5), after the DST change. */
  const day1 = Date.UTC(2026, 10, 2, 5);
  /** Six-hour GPS files, a fix a minute: at home, except 09:00–17:00 at work 3 km north. */
  function gpsFile(fromMs: number): string {
    const lines = ['timestamp,latitude,longitude,altitude,accuracy'];
    for (let t = fromMs; t < fromMs + 6 * HOUR; t += 60_000) {
      const hour = ((t - day1) / HOUR) % 24;
      const lat = 40 + (hour >= 9 && hour < 17 ? 3 * KM : 0);
      lines.push(`${t},${lat},-74,10,8`);
    }
    return lines.join('\n');
  }

  const snapshot = async (db: Knex, participantId: number) =>
    (
      (await db('daily_features')
        .where({ participant_id: participantId })
        .orderBy(['feature', 'source', 'day'])
        .select(
          db.raw("DATE_FORMAT(day, '%Y-%m-%d') AS day"),
          'feature',
          'source',
          'value',
          'coverage',
          'version'
        )) as {
        day: string;
        feature: string;
        value: number | null;
      }[]
    ).map((r) => ({ ...r }));

  it('recomputes the days uploads touch, late ones included, and equals a rebuild', async () => {
    const p = await t.participant('ANDROID', 'andr0001');
    // Four days of GPS in 6-hour files; the first day's night file arrives last (a late upload).
    const starts = Array.from({ length: 16 }, (_, i) => day1 + i * 6 * HOUR);
    for (const s of [...starts.slice(1), starts[0]!]) await t.process(upload(p.id, 'gps', s, 'ANDROID'), gpsFile(s));
    // Calls and texts on day 2 (local), one missed; a survey opened and submitted on day 3.
    const d2 = day1 + 24 * HOUR;
    await t.process(
      upload(p.id, 'calls', d2 + 10 * HOUR, 'ANDROID'),
      [
        'hashed phone number,call type,timestamp,duration in seconds',
        `aaa,Incoming Call,${d2 + 10 * HOUR},90`,
        `bbb,Missed Call,${d2 + 11 * HOUR},0`,
        `aaa,Outgoing Call,${d2 + 12 * HOUR},30`,
      ].join('\n')
    );
    await t.process(
      upload(p.id, 'texts', d2 + 13 * HOUR, 'ANDROID'),
      [
        'timestamp,hashed phone number,sent vs received,message length,time sent',
        `${d2 + 13 * HOUR},ccc,sent SMS,12`,
      ].join('\n')
    );
    const d3 = day1 + 48 * HOUR;
    await t.process(
      {
        ...upload(p.id, 'survey_timings', d3 + 20 * HOUR, 'ANDROID'),
        fileName: `pid_surveyTimings_s1_${d3 + 20 * HOUR}.csv`,
      },
      [
        'timestamp,question id,question type,question text,question answer options,answer',
        `${d3 + 20 * HOUR},Survey first rendered and displayed to user`,
        `${d3 + 20 * HOUR + 45_000},User hit submit`,
      ].join('\n')
    );

    // The worker computed the days the earlier uploads marked; the last ones wait for the scheduled job.
    expect((await snapshot(t.db, p.id)).some((r) => r.feature === 'home_time' && r.value !== null)).toBe(true);
    expect(await t.db('daily_feature_dirty').where({ participant_id: p.id }).count({ n: '*' })).not.toEqual([{ n: 0 }]);
    await t.sweep();
    const incremental = await snapshot(t.db, p.id);
    const value = (day: string, feature: string) =>
      incremental.find((r) => r.day === day && r.feature === feature)?.value;
    // Day 2 (fully observed): home 16 h (00–09, 17–24 less the commute minutes), 6 km travelled.
    expect(value('2026-11-03', 'home_time')).toBeCloseTo(16, 1);
    expect(value('2026-11-03', 'dist_traveled')).toBeCloseTo(6, 6);
    expect(value('2026-11-03', 'max_dist_home')).toBeCloseTo(3, 6);
    expect(value('2026-11-03', 'num_in_call')).toBe(1);
    expect(value('2026-11-03', 'num_mis_call')).toBe(1);
    expect(value('2026-11-03', 'total_time_in_call')).toBe(1.5);
    expect(value('2026-11-03', 'num_s')).toBe(1);
    expect(value('2026-11-03', 'num_uniq_individuals_call_or_text')).toBe(3);
    // Degree, minutes out, and the SMS to ccc that nobody answered.
    expect(value('2026-11-03', 'num_in_caller')).toBe(1);
    expect(value('2026-11-03', 'num_mis_caller')).toBe(1);
    expect(value('2026-11-03', 'total_time_out_call')).toBe(0.5);
    expect(value('2026-11-03', 'text_reciprocity_outgoing')).toBe(1);
    expect(value('2026-11-03', 'text_reciprocity_incoming')).toBe(0);
    expect(value('2026-11-02', 'num_in_call')).toBe(0);
    expect(value('2026-11-04', 'num_submitted_surveys')).toBe(1);
    expect(value('2026-11-04', 'avg_time_to_submit')).toBe(45);
    // The late night file made day 1 whole.
    expect(value('2026-11-02', 'obs_duration')).toBeCloseTo(24, 1);
    expect(await t.db('daily_feature_dirty').where({ participant_id: p.id }).count({ n: '*' })).toEqual([{ n: 0 }]);

    await t.db('daily_features').where({ participant_id: p.id }).delete();
    const rebuilt = await rebuildFeatures(t.db, {
      participantId: p.id,
      from: '2026-10-30',
      to: '2026-11-10',
      now: t.clock(),
    });
    expect(rebuilt.days).toBe(4);
    expect(await snapshot(t.db, p.id)).toEqual(incremental);
  });

  it('an iOS phone collects no calls or texts: its days have no sociability row, never zeros', async () => {
    const p = await t.participant('IOS', 'ios00001');
    // A row an earlier definition wrote (null, coverage 0) goes when the day is recomputed.
    await t.db('daily_features').insert({
      participant_id: p.id,
      day: '2026-11-02',
      feature: 'num_in_call',
      source: 'phone',
      value: null,
      coverage: 0,
      version: 1,
      computed_at: t.clock(),
    });
    await t.process(upload(p.id, 'gps', day1, 'IOS'), gpsFile(day1));
    await t.sweep();
    const features = (await t
      .db('daily_features')
      .where({ participant_id: p.id, day: '2026-11-02' })
      .pluck('feature')) as string[];
    expect(features).toContain('obs_duration');
    expect(features.filter((f) => SOCIABILITY_FEATURES.includes(f as SociabilityFeature))).toEqual([]);
    const [summary] = await summaryStatistics(t.db, { studyId: p.studyId });
    expect(summary).toMatchObject({
      willow_incoming_call_count: null,
      willow_uniq_individual_call_or_text_count: null,
    });
  });

  it('the migration drops the sociability rows the first definition wrote for phones without call logs', async () => {
    const android = await t.participant('ANDROID', 'migandr1');
    const ios = await t.participant('IOS', 'migios01');
    const { id: noPhone } = await insertParticipant(t.db, ios.studyId);
    const row = (participantId: number, feature: string, value: number | null, coverage: number) => ({
      participant_id: participantId,
      day: '2026-11-10',
      feature,
      source: 'phone',
      value,
      coverage,
      version: 1,
      computed_at: t.clock(),
    });
    await t
      .db('daily_features')
      .insert([
        row(android.id, 'num_in_call', 0, 1),
        row(ios.id, 'num_in_call', null, 0),
        row(ios.id, 'home_time', 5, 1),
        row(noPhone, 'num_s', 0, 1),
      ]);
    await dropUncollectedSociability(t.db);
    const left = (await t
      .db('daily_features')
      .whereIn('participant_id', [android.id, ios.id, noPhone])
      .select('participant_id', 'feature')) as { participant_id: number; feature: string }[];
    const sorted = (xs: { participant_id: number; feature: string }[]) =>
      [...xs].sort((a, b) => a.participant_id - b.participant_id || a.feature.localeCompare(b.feature));
    expect(sorted(left)).toEqual(
      sorted([
        { participant_id: android.id, feature: 'num_in_call' },
        { participant_id: ios.id, feature: 'home_time' },
      ])
    );
  });

  it('wearable features per source, side by side, from days the wearable writer marks', async () => {
    const p = await t.participant('ANDROID', 'wear0001');
    const connection = async (provider: string) =>
      (
        await t.db('device_connections').insert({
          participant_id: p.id,
          provider,
          api: provider,
          status: 'connected',
          status_changed_at: t.clock(),
          scopes_requested: '',
          created_at: t.clock(),
          updated_at: t.clock(),
        })
      )[0]!;
    const fitbit = await connection('fitbit');
    const polar = await connection('polar');
    // Written as a pull writes them: the writer marks the days, the scheduled job computes them.
    // Fitbit: steps per minute over 12 hours of the local day (coverage 0.5), resting HR, sleep, HRV.
    const offset = { device: null, utc_offset_min: -300 };
    await writeBatch(
      t.db,
      { connectionId: fitbit, participantId: p.id, source: 'fitbit' },
      {
        ...emptyBatch(),
        steps: Array.from({ length: 720 }, (_, i) => ({
          ...offset,
          start_at: new Date(day1 + 8 * HOUR + i * 60_000),
          end_at: new Date(day1 + 8 * HOUR + (i + 1) * 60_000),
          steps: i % 2 === 0 ? 10 : 0,
        })),
        restingHeartRate: [{ device: null, local_date: '2026-11-02', bpm: 61 }],
        sleepSessions: [
          {
            ...offset,
            session_id: 's1',
            start_at: new Date(day1),
            end_at: new Date(day1 + 8 * HOUR),
            local_date: '2026-11-02',
            asleep_s: 7 * 3600,
            awake_s: 3600,
            light_s: null,
            deep_s: null,
            rem_s: null,
            score: null,
            stages: null,
          },
        ],
        hrv: [
          { ...offset, measured_at: new Date(day1 + HOUR), rmssd_ms: 40, sdnn_ms: null },
          { ...offset, measured_at: new Date(day1 + 2 * HOUR), rmssd_ms: 50, sdnn_ms: null },
        ],
      },
      t.clock()
    );
    // Polar: its own daily totals.
    await writeBatch(
      t.db,
      { connectionId: polar, participantId: p.id, source: 'polar' },
      {
        ...emptyBatch(),
        dailyActivity: [
          {
            device: null,
            local_date: '2026-11-02',
            steps: 8000,
            active_duration_s: 5400,
            calories_kcal: null,
            distance_m: null,
          },
        ],
      },
      t.clock()
    );
    expect(await t.sweep()).toMatchObject({ days: 1 });
    const rows = (await t
      .db('daily_features')
      .where({ participant_id: p.id })
      .whereNot('source', 'phone')
      .orderBy(['feature', 'source'])
      .select('feature', 'source', 'value', 'coverage')) as {
      feature: string;
      source: string;
      value: number;
      coverage: number;
    }[];
    expect(rows).toEqual([
      { feature: 'active_minutes', source: 'polar', value: 90, coverage: 1 },
      { feature: 'hrv_rmssd', source: 'fitbit', value: 45, coverage: 1 },
      { feature: 'resting_heart_rate', source: 'fitbit', value: 61, coverage: 1 },
      { feature: 'sleep_duration', source: 'fitbit', value: 7, coverage: 1 },
      { feature: 'sleep_efficiency', source: 'fitbit', value: 0.875, coverage: 1 },
      { feature: 'steps', source: 'fitbit', value: 3600, coverage: 0.5 },
      { feature: 'steps', source: 'polar', value: 8000, coverage: 1 },
    ]);
  });

  it('gives Beiwe-shaped summary statistics rows from the features', async () => {
    const p = await t.participant('ANDROID', 'summ0001');
    for (const s of [day1 - 6 * HOUR, day1, day1 + 6 * HOUR, day1 + 12 * HOUR, day1 + 18 * HOUR])
      await t.process(upload(p.id, 'gps', s, 'ANDROID'), gpsFile(s));
    await t.sweep();
    const rows = await summaryStatistics(t.db, {
      studyId: p.studyId,
      startDate: '2026-11-02',
      endDate: '2026-11-02',
    });
    expect(rows).toHaveLength(1);
    const [row] = rows;
    const home = (await t
      .db('daily_features')
      .where({ participant_id: p.id, feature: 'home_time', day: '2026-11-02' })
      .first('value')) as { value: number };
    expect(row).toMatchObject({
      date: '2026-11-02',
      participant_id: 'summ0001',
      timezone: ZONE,
      jasmine_home_duration: home.value,
      willow_incoming_call_count: 0,
      willow_incoming_text_reciprocity: 0,
      willow_uniq_individual_call_or_text_count: 0,
      sycamore_total_opened_surveys: 0,
      sycamore_total_completed_surveys: 0,
    });
    expect(row!.jasmine_distance_traveled).toBeCloseTo(6, 6);
    expect(typeof row!.study_id).toBe('string');
  });
});
