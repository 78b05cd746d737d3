import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { GOOGLE_ECG_SCOPE, GOOGLE_IRN_SCOPE } from './provider.ts';
import { googleHealthTest, type GoogleHealthSim } from '../../test/provider-simulators/harness.ts';
import { pullConnection, type PullPlan } from '../../wearables/pull.ts';
import { collectEverything, grantGoogleScopes, pullDeps, rowsOf } from '../../wearables/testing.ts';

/**
 * Fitbit ECG recordings and irregular-rhythm notifications (google-health-api.md §9.3) from the
 * Google Health simulator into exact `heart_rhythm` rows, each point kept whole in the raw archive;
 * read only where the patient granted their scopes (§1.3), over every page.
 */

const source = { platform: 'FITBIT', recordingMethod: 'ACTIVELY_MEASURED', device: { displayName: 'Sense 2' } };
/** The patient is in UTC+1. */
const OFFSET = '3600s';

/** An ECG reading (start = end), without offsets when `historical`, as Google serves it. */
const ecg = (at: string, fields: Record<string, unknown>, historical = false) => ({
  dataSource: source,
  electrocardiogram: {
    interval: { startTime: at, endTime: at, ...(!historical && { startUtcOffset: OFFSET, endUtcOffset: OFFSET }) },
    leadNumber: 1,
    millivoltsScalingFactor: 1000,
    waveformSamples: [12, -40, 310, 25],
    medicalDeviceInfo: { deviceModel: 'Sense 2', firmwareVersion: '1.2', featureVersion: '2.0' },
    ...fields,
  },
});

const civil = (iso: string) => {
  const d = new Date(Date.parse(iso) + 3_600_000);
  return {
    date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
    time: { hours: d.getUTCHours(), minutes: d.getUTCMinutes() },
  };
};
const span = (start: string, end: string) => ({
  startTime: start,
  endTime: end,
  startUtcOffset: OFFSET,
  endUtcOffset: OFFSET,
  civilStartTime: civil(start),
  civilEndTime: civil(end),
});
/** A notification of one or more positive alert windows, each with a beat. */
const irn = (...windows: [string, string][]) => ({
  dataSource: { platform: 'FITBIT', recordingMethod: 'DERIVED', device: { displayName: 'Sense 2' } },
  irregularRhythmNotification: {
    interval: span(windows[0]?.[0] ?? '', windows.at(-1)?.[1] ?? ''),
    alertWindows: windows.map(([start, end]) => ({
      ...span(start, end),
      positive: true,
      heartBeats: [{ beatsPerMinute: 112, physicalTime: start, utcOffset: OFFSET }],
    })),
    medicalDeviceInfo: { deviceModel: 'Sense 2', algorithmVersion: '3.1', serviceVersion: '7' },
  },
});

async function connectedUser(sim: GoogleHealthSim, db: Knex) {
  const { connectionId, participantId } = await sim.wearables.connected('fitbit');
  const row = (await db('device_connections')
    .join('participants as p', 'p.id', 'device_connections.participant_id')
    .where('device_connections.id', connectionId)
    .first('external_user_id', 'p.study_id')) as { external_user_id: string; study_id: number };
  // ECG and irregular rhythm are opt-in: the study chooses them, the grant decides what is read.
  await collectEverything(db, connectionId, new Date());
  return { connectionId, participantId, studyId: row.study_id, user: row.external_user_id };
}

const plan: PullPlan = {
  mode: 'range',
  from: new Date('2026-11-20T00:00:00Z'),
  to: new Date('2026-11-22T00:00:00Z'),
};

const NO_WITHINGS = { afib_code: null, qrs_ms: null, pr_ms: null, qt_ms: null, qtc_ms: null, signal_id: null } as const;

describe('the Fitbit pull of ECGs and irregular-rhythm notifications', () => {
  googleHealthTest(
    'writes each ECG and each alert window into exact heart_rhythm rows, the points whole in the raw archive, put once',
    async ({ sim, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId, participantId, studyId, user } = await connectedUser(sim, db);
      await grantGoogleScopes(sim.wearables, db, connectionId, [GOOGLE_ECG_SCOPE, GOOGLE_IRN_SCOPE]);
      const afib = ecg(
        '2026-11-20T08:00:00Z',
        { beatsPerMinuteAvg: '96', samplingFrequencyHertz: 250, resultClassification: 'ATRIAL_FIBRILLATION' },
        true
      );
      sim.data.put(user, 'electrocardiogram', [
        afib,
        ecg('2026-11-20T09:00:00Z', {
          beatsPerMinuteAvg: '64',
          samplingFrequencyHertz: 250,
          resultClassification: 'NORMAL_SINUS_RHYTHM',
        }),
        ecg('2026-11-20T10:00:00Z', { resultClassification: 'INCONCLUSIVE_HIGH_HEART_RATE', beatsPerMinuteAvg: '131' }),
        ecg('2026-11-21T07:00:00Z', { resultClassification: 'UNREADABLE' }),
        // A result added after the documented list, and a reading with none: both kept.
        ecg('2026-11-21T08:00:00Z', { resultClassification: 'SINUS_TACHYCARDIA', beatsPerMinuteAvg: '104' }),
        ecg('2026-11-21T09:00:00Z', { beatsPerMinuteAvg: '70' }),
        // After the window: the ECG filter has no upper bound, so Google sends it, and it waits for its own window.
        ecg('2026-11-22T06:00:00Z', { resultClassification: 'NORMAL_SINUS_RHYTHM' }),
      ]);
      const notification = irn(
        ['2026-11-21T02:00:00Z', '2026-11-21T02:30:00Z'],
        ['2026-11-21T03:10:00Z', '2026-11-21T03:40:00Z']
      );
      sim.data.put(user, 'irregular-rhythm-notification', [notification]);

      const deps = pullDeps(sim.wearables, clock);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);

      const key = (type: string, at: string) =>
        `study-${studyId}/wearables/${participantId}/fitbit-${type}/${Date.parse(at)}.json`;
      const reading = (at: string, offset: number, fields: Record<string, unknown>) => ({
        ...NO_WITHINGS,
        source: 'fitbit',
        device: 'Sense 2',
        method: 'ecg',
        recorded_at: new Date(at),
        utc_offset_min: offset,
        entry: 'device',
        afib_class: null,
        heart_rate_bpm: null,
        sampling_frequency_hz: null,
        wear_position: null,
        signal_archive_key: key('ecg', at),
        ...fields,
      });
      const window = (at: string) => ({
        ...reading(at, 60, {}),
        method: 'ppg',
        afib_class: 'positive',
        signal_archive_key: key('irn', '2026-11-21T02:00:00Z'),
      });
      const expected = [
        reading('2026-11-20T08:00:00Z', 0, { afib_class: 'positive', heart_rate_bpm: 96, sampling_frequency_hz: 250 }),
        reading('2026-11-20T09:00:00Z', 60, { afib_class: 'negative', heart_rate_bpm: 64, sampling_frequency_hz: 250 }),
        reading('2026-11-20T10:00:00Z', 60, { afib_class: 'high_heart_rate', heart_rate_bpm: 131 }),
        window('2026-11-21T02:00:00Z'),
        window('2026-11-21T03:10:00Z'),
        reading('2026-11-21T07:00:00Z', 60, { afib_class: 'unreadable' }),
        reading('2026-11-21T08:00:00Z', 60, { afib_class: 'other', heart_rate_bpm: 104 }),
        reading('2026-11-21T09:00:00Z', 60, { heart_rate_bpm: 70 }),
      ];
      expect(await rowsOf(db, 'heart_rhythm', connectionId, ['recorded_at'])).toEqual(expected);
      // The waveform, a window's end and its heart beats: the points as Google sent them, sealed.
      expect(JSON.parse((await deps.archive!.get(studyId, key('ecg', '2026-11-20T08:00:00Z'))).toString())).toEqual(
        afib
      );
      expect(JSON.parse((await deps.archive!.get(studyId, key('irn', '2026-11-21T02:00:00Z'))).toString())).toEqual(
        notification
      );
      expect((await deps.archive!.store.get(key('ecg', '2026-11-20T08:00:00Z'))).toString()).not.toContain(
        'waveformSamples'
      );

      // Read again: the same rows, and nothing archived again.
      await deps.archive!.put(studyId, key('ecg', '2026-11-20T08:00:00Z'), Buffer.from('kept'));
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(await rowsOf(db, 'heart_rhythm', connectionId, ['recorded_at'])).toEqual(expected);
      expect((await deps.archive!.get(studyId, key('ecg', '2026-11-20T08:00:00Z'))).toString()).toBe('kept');
    }
  );

  googleHealthTest(
    'reads neither type without its granted scope, and reads the past once the patient grants it',
    async ({ sim, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId, user } = await connectedUser(sim, db);
      sim.data.put(user, 'electrocardiogram', [ecg('2026-11-20T09:00:00Z', { resultClassification: 'INCONCLUSIVE' })]);
      sim.data.put(user, 'irregular-rhythm-notification', [irn(['2026-11-21T02:00:00Z', '2026-11-21T02:30:00Z'])]);
      const deps = pullDeps(sim.wearables, clock);
      const cursors = async () =>
        (await db('wearable_cursors').where({ connection_id: connectionId }).pluck('data_type')) as string[];

      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(sim.wearables.fitbit.count('list:electrocardiogram')).toBe(0);
      expect(sim.wearables.fitbit.count('list:irregular-rhythm-notification')).toBe(0);
      expect(await cursors()).not.toContain('ecg');
      expect(await cursors()).toContain('heartRate');

      await grantGoogleScopes(sim.wearables, db, connectionId, [GOOGLE_IRN_SCOPE]);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(sim.wearables.fitbit.count('list:electrocardiogram')).toBe(0);
      expect(await db('heart_rhythm').where({ connection_id: connectionId }).pluck('method')).toEqual(['ppg']);

      await grantGoogleScopes(sim.wearables, db, connectionId, [GOOGLE_ECG_SCOPE]);
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect(
        await db('heart_rhythm').where({ connection_id: connectionId }).orderBy('recorded_at').pluck('afib_class')
      ).toEqual(['inconclusive', 'positive']);
    }
  );

  googleHealthTest('follows nextPageToken over every page of both types', async ({ sim, db, clock }) => {
    clock.set(new Date('2026-11-22T12:00:00Z'));
    const { connectionId, user } = await connectedUser(sim, db);
    await grantGoogleScopes(sim.wearables, db, connectionId, [GOOGLE_ECG_SCOPE, GOOGLE_IRN_SCOPE]);
    const hours = [0, 1, 2, 3, 4].map((h) => `2026-11-20T1${h}:00:00Z`);
    sim.data.put(
      user,
      'electrocardiogram',
      hours.map((at) => ecg(at, { resultClassification: 'NORMAL_SINUS_RHYTHM' }))
    );
    sim.data.put(
      user,
      'irregular-rhythm-notification',
      ['2026-11-21T01:00:00Z', '2026-11-21T02:00:00Z', '2026-11-21T03:00:00Z'].map((at) =>
        irn([at, new Date(Date.parse(at) + 1_800_000).toISOString()])
      )
    );
    sim.data.pageCap = 2;

    expect((await pullConnection(pullDeps(sim.wearables, clock), connectionId, plan)).errors).toEqual([]);
    expect(sim.wearables.fitbit.count('list:electrocardiogram')).toBe(3);
    expect(sim.wearables.fitbit.count('list:irregular-rhythm-notification')).toBe(2);
    const rows = (await db('heart_rhythm')
      .where({ connection_id: connectionId })
      .orderBy('recorded_at')
      .select('method', 'recorded_at')) as { method: string; recorded_at: Date }[];
    expect(rows.map((r) => [r.method, r.recorded_at.toISOString()])).toEqual([
      ...hours.map((at) => ['ecg', at.replace('Z', '.000Z')]),
      ['ppg', '2026-11-21T01:00:00.000Z'],
      ['ppg', '2026-11-21T02:00:00.000Z'],
      ['ppg', '2026-11-21T03:00:00.000Z'],
    ]);
  });
});
