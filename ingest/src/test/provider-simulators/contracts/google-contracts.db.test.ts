import { describe, expect } from 'vitest';
import { GOOGLE_ECG_SCOPE, GOOGLE_IRN_SCOPE } from '../../../vendors/fitbit/provider.ts';
import { pullConnection } from '../../../wearables/pull.ts';
import { collectEverything, grantGoogleScopes, pullDeps } from '../../../wearables/testing.ts';
import { test } from '../../fixtures.ts';
import { googleHealthData } from '../google-health-data.ts';
import { startWearablesHarness, type WearablesHarness } from '../harness.ts';
import { loadContract } from './openapi.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

/**
 * Every call the ingest makes to the Google Health simulator's data API, and every answer, held to
 * the shapes google-health-api.md gives (transcribed into google-health-openapi.json beside this
 * file): identity, paired devices, `list` of each data type read (ECG and irregular-rhythm
 * notifications under their own scopes), `reconcile` and `dailyRollUp`. Google
 * publishes a discovery document rather than an OpenAPI one; the transcription keeps its names,
 * JSON types (int64 as strings) and enums, and refuses members it does not list.
 */
const contract = loadContract(new URL('./google-health-openapi.json', import.meta.url));

type Setup = { wearables: WearablesHarness; proxy: RecordingProxy; data: ReturnType<typeof googleHealthData> };
const contractTest = test.extend<{ setup: Setup }>({
  setup: async ({ db, clock, vault, archiveStore }, use) => {
    const data = googleHealthData();
    const proxy = await startRecordingProxy();
    const wearables = await startWearablesHarness({
      db,
      clock,
      vault,
      archiveStore,
      env: { VIGIL_FITBIT_API_URL: proxy.url },
      sims: { fitbit: { extend: data.extend } },
    });
    proxy.target = wearables.fitbit.url;
    await use({ wearables, proxy, data });
    await wearables.close();
    await proxy.close();
  },
});

const OFFSET = '3600s';
const source = { platform: 'FITBIT', recordingMethod: 'DERIVED', device: { displayName: 'Charge 6' } };
const sampleTime = (at: string) => ({ physicalTime: at, utcOffset: OFFSET });
const interval = (start: string, end: string) => ({
  startTime: start,
  endTime: end,
  startUtcOffset: OFFSET,
  endUtcOffset: OFFSET,
});
const date = { year: 2026, month: 11, day: 20 };

/** One point of each type the pull reads, shaped as google-health-api.md §3.7 and §9.3 give them. */
const POINTS: Record<string, Record<string, unknown>> = {
  steps: { steps: { count: '87', interval: interval('2026-11-20T14:31:00Z', '2026-11-20T14:32:00Z') } },
  'heart-rate': { heartRate: { beatsPerMinute: '64', sampleTime: sampleTime('2026-11-20T14:31:02Z') } },
  'daily-resting-heart-rate': {
    dailyRestingHeartRate: {
      date,
      beatsPerMinute: '58',
      dailyRestingHeartRateMetadata: { calculationMethod: 'WITH_SLEEP' },
    },
  },
  sleep: {
    name: 'users/x/dataTypes/sleep/dataPoints/s1',
    sleep: {
      type: 'STAGES',
      interval: interval('2026-11-19T22:48:30Z', '2026-11-20T06:12:00Z'),
      stages: [{ type: 'LIGHT', ...interval('2026-11-19T22:48:30Z', '2026-11-20T06:12:00Z') }],
      summary: { minutesAsleep: '402', stagesSummary: [{ type: 'LIGHT', minutes: '402', count: '1' }] },
    },
  },
  weight: {
    name: 'users/x/dataTypes/weight/dataPoints/w1',
    weight: { weightGrams: 81250, sampleTime: sampleTime('2026-11-20T06:30:00Z') },
  },
  'body-fat': {
    name: 'users/x/dataTypes/body-fat/dataPoints/f1',
    bodyFat: { percentage: 24.5, sampleTime: sampleTime('2026-11-20T06:30:00Z') },
  },
  'oxygen-saturation': { oxygenSaturation: { percentage: 96.1, sampleTime: sampleTime('2026-11-20T03:00:00Z') } },
  'heart-rate-variability': {
    heartRateVariability: {
      rootMeanSquareOfSuccessiveDifferencesMilliseconds: 42.5,
      sampleTime: sampleTime('2026-11-20T03:05:00Z'),
    },
  },
  'vo2-max': {
    vo2Max: { vo2Max: 45.1, measurementMethod: 'FITBIT_RUN', sampleTime: sampleTime('2026-11-20T08:00:00Z') },
  },
  'respiratory-rate-sleep-summary': {
    respiratoryRateSleepSummary: {
      sampleTime: sampleTime('2026-11-20T06:12:00Z'),
      fullSleepStats: { breathsPerMinute: 15.2, signalToNoise: 9.1, standardDeviation: 0.8 },
      remSleepStats: { breathsPerMinute: 16.3 },
    },
  },
  'daily-respiratory-rate': { dailyRespiratoryRate: { date, breathsPerMinute: 15.2 } },
  'daily-oxygen-saturation': {
    dailyOxygenSaturation: { date, averagePercentage: 95.8, lowerBoundPercentage: 93.2, upperBoundPercentage: 98 },
  },
  'daily-heart-rate-variability': {
    dailyHeartRateVariability: {
      date,
      averageHeartRateVariabilityMilliseconds: 38.4,
      nonRemHeartRateBeatsPerMinute: '57',
    },
  },
  'daily-sleep-temperature-derivations': {
    dailySleepTemperatureDerivations: { date, nightlyTemperatureCelsius: 34.1, baselineTemperatureCelsius: 34.4 },
  },
  'daily-vo2-max': { dailyVo2Max: { date, vo2Max: 44.5, cardioFitnessLevel: 'GOOD', estimated: true } },
  exercise: {
    name: 'users/x/dataTypes/exercise/dataPoints/e1',
    exercise: {
      exerciseType: 'RUNNING',
      interval: {
        ...interval('2026-11-20T07:00:00Z', '2026-11-20T07:35:00Z'),
        civilStartTime: { date, time: { hours: 8 } },
        civilEndTime: { date, time: { hours: 8, minutes: 35 } },
      },
      activeDuration: '1830s',
      metricsSummary: {
        caloriesKcal: 312.5,
        distanceMillimeters: 5012000,
        heartRateZoneDurations: { peakTime: '30s' },
      },
    },
  },
  distance: { distance: { millimeters: '65000', interval: interval('2026-11-20T14:31:00Z', '2026-11-20T14:32:00Z') } },
  'active-zone-minutes': {
    activeZoneMinutes: {
      activeZoneMinutes: '2',
      heartRateZone: 'CARDIO',
      interval: interval('2026-11-20T14:31:00Z', '2026-11-20T14:32:00Z'),
    },
  },
  'activity-level': {
    activityLevel: {
      activityLevelType: 'LIGHTLY_ACTIVE',
      interval: interval('2026-11-20T14:31:00Z', '2026-11-20T14:32:00Z'),
    },
  },
  electrocardiogram: {
    electrocardiogram: {
      interval: interval('2026-11-20T09:00:00Z', '2026-11-20T09:00:00Z'),
      beatsPerMinuteAvg: '64',
      leadNumber: 1,
      samplingFrequencyHertz: 250,
      millivoltsScalingFactor: 1000,
      waveformSamples: [12, -40, 310, 25],
      resultClassification: 'NORMAL_SINUS_RHYTHM',
      medicalDeviceInfo: { deviceModel: 'Sense 2', firmwareVersion: '1.2', featureVersion: '2.0' },
    },
  },
  'irregular-rhythm-notification': {
    irregularRhythmNotification: {
      interval: {
        ...interval('2026-11-20T02:00:00Z', '2026-11-20T02:30:00Z'),
        civilStartTime: { date, time: { hours: 3 } },
        civilEndTime: { date, time: { hours: 3, minutes: 30 } },
      },
      alertWindows: [
        {
          ...interval('2026-11-20T02:00:00Z', '2026-11-20T02:30:00Z'),
          positive: true,
          heartBeats: [{ beatsPerMinute: 112, physicalTime: '2026-11-20T02:00:00Z', utcOffset: OFFSET }],
        },
      ],
      medicalDeviceInfo: { deviceModel: 'Sense 2', algorithmVersion: '3.1', serviceVersion: '7' },
    },
  },
};
/** Types read by roll-up or `reconcile` only, never listed. */
const NOT_LISTED = ['distance', 'active-zone-minutes', 'activity-level'];

describe('the ingest and the Google Health simulator keep to the documented shapes', () => {
  contractTest(
    'identity, paired devices, list of every type read, reconcile and dailyRollUp',
    async ({ setup, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId } = await setup.wearables.connected('fitbit');
      await collectEverything(db, connectionId, clock());
      await grantGoogleScopes(setup.wearables, db, connectionId, [GOOGLE_ECG_SCOPE, GOOGLE_IRN_SCOPE]);
      const { external_user_id: user } = (await db('device_connections')
        .where({ id: connectionId })
        .first('external_user_id')) as { external_user_id: string };
      for (const [type, point] of Object.entries(POINTS))
        setup.data.put(user, type, [{ dataSource: source, ...point }]);

      const deps = pullDeps(setup.wearables, clock);
      const plan = {
        mode: 'range',
        from: new Date('2026-11-19T00:00:00Z'),
        to: new Date('2026-11-22T00:00:00Z'),
      } as const;
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);

      const exchanges = setup.proxy.exchanges;
      expect(exchanges.flatMap((e) => contract.check(e))).toEqual([]);
      const listed = exchanges.filter((e) => e.method === 'GET' && e.path.endsWith('/dataPoints'));
      const read = (e: (typeof exchanges)[number]) => e.path.split('/')[5];
      const expectedLists = Object.keys(POINTS).filter((t) => !NOT_LISTED.includes(t));
      expect([...new Set(listed.map(read))].sort()).toEqual(expectedLists.sort());
      // Every list answered with its point: the filters were the documented members.
      for (const e of listed) expect((e.body as { dataPoints?: unknown[] }).dataPoints).toHaveLength(1);
      const rolled = exchanges.filter((e) => e.method === 'POST').map(read);
      expect(rolled.sort()).toEqual(['active-zone-minutes', 'distance', 'steps']);
      // The trackers' merged activity levels: a documented family, the largest page, and a
      // ReconciledDataPoint (no dataSource; the contract refuses one) with the tracker's point.
      const reconciled = exchanges.filter((e) => e.method === 'GET' && e.path.endsWith('/dataPoints:reconcile'));
      expect(reconciled.map(read)).toEqual(['activity-level']);
      for (const e of reconciled) {
        expect(e.params).toMatchObject({
          dataSourceFamily: 'users/me/dataSourceFamilies/google-wearables',
          pageSize: '10000',
        });
        expect((e.body as { dataPoints?: unknown[] }).dataPoints).toEqual([POINTS['activity-level']]);
      }
      // ECG takes a lower bound alone (§3.3); the notifications a civil range, as exercise.
      const filterOf = (type: string) => listed.find((e) => read(e) === type)?.params.filter;
      expect(filterOf('electrocardiogram')).toBe('electrocardiogram.interval.start_time >= "2026-11-19T00:00:00.000Z"');
      expect(filterOf('irregular-rhythm-notification')).toBe(
        'irregular_rhythm_notification.interval.civil_start_time >= "2026-11-18T00:00:00" AND irregular_rhythm_notification.interval.civil_start_time < "2026-11-23T00:00:00"'
      );
      // The largest page the docs allow: 10,000, or 25 for sleep and exercise (§3.3).
      for (const e of listed) {
        expect(e.params.pageSize).toBe(['sleep', 'exercise'].includes(read(e) ?? '') ? '25' : '10000');
      }
    }
  );
});
