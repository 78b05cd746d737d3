import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { pullConnection } from '../../../wearables/pull.ts';
import { markPolarListed } from '../../../vendors/polar/available.ts';
import { collectEverything, pullDeps } from '../../../wearables/testing.ts';
import { asAdmin } from '../../app-deps.ts';
import { test } from '../../fixtures.ts';
import { startWearablesHarness, type WearablesHarness } from '../harness.ts';
import { polarData } from '../polar-data.ts';
import type { RecoveryData } from '../polar-recovery-data.ts';
import { withingsData } from '../withings-data.ts';
import { loadPayloadContract } from './asyncapi.ts';
import { loadContract, type Exchange } from './openapi.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

/**
 * Every request the ingest makes to the Withings and Polar simulators, and every answer they give,
 * held to the vendors' own OpenAPI documents: connect, pull each kind of data, refresh, disconnect.
 * The OAuth pages the patient's browser visits and Polar's token endpoint (on polarremote.com) are
 * not in these documents and do not pass through the proxies.
 */

/** Recorded Withings answers (Open mHealth Shimmer's test resources, Apache-2.0) disagree with the document here. */
const SHIMMER = 'openmhealth/shimmer shim-server/src/test/resources/org/openmhealth/shim/withings/mapper';
const withingsContract = loadContract(new URL('./withings-openapi.json', import.meta.url), {
  host: 'https://wbsapi.withings.net',
  corrections: [
    {
      operationId: 'measure-getmeas',
      at: ['body', 'updatetime'],
      schema: () => ({ type: 'integer' }),
      observed: `a unix time in seconds, not the documented string: ${SHIMMER}/withings-body-measures.json`,
    },
    {
      operationId: 'sleepv2-get',
      at: ['body', 'series'],
      schema: (documented) => ({ type: 'array', items: documented }),
      observed: `a list of the documented segment objects, not one object: ${SHIMMER}/withings-sleep-measures.json`,
    },
  ],
});
const polarContract = loadContract(new URL('./polar-accesslink-openapi.json', import.meta.url));
const polarPayloads = loadPayloadContract(new URL('./polar-webhooks-asyncapi.json', import.meta.url));

type Setup = {
  wearables: WearablesHarness;
  withings: RecordingProxy;
  polar: RecordingProxy;
  data: { withings: ReturnType<typeof withingsData>; polar: ReturnType<typeof polarData> };
};

const contractTest = test.extend<{ setup: Setup }>({
  setup: async ({ db, clock, vault, archiveStore }, use) => {
    const data = { withings: withingsData(), polar: polarData() };
    const [withings, polar] = await Promise.all([startRecordingProxy(), startRecordingProxy()]);
    const wearables = await startWearablesHarness({
      db,
      clock,
      vault,
      archiveStore,
      env: {
        VIGIL_WITHINGS_API_URL: withings.url,
        VIGIL_POLAR_API_URL: polar.url,
        VIGIL_WEARABLES_NOTIFICATIONS: 'true',
      },
      sims: { withings: { extend: data.withings.extend }, polar: { extend: data.polar.extend } },
    });
    withings.target = wearables.withings.url;
    polar.target = wearables.polar.url;
    await use({ wearables, withings, polar, data });
    await wearables.close();
    await Promise.all([withings.close(), polar.close()]);
  },
});

const problemsOf = (contract: ReturnType<typeof loadContract>, exchanges: readonly Exchange[]) =>
  exchanges.flatMap((e) => contract.check(e));
const operationsOf = (contract: ReturnType<typeof loadContract>, exchanges: readonly Exchange[]) =>
  [
    ...new Set(
      exchanges.map((e) => ('id' in contract.operationOf(e) ? (contract.operationOf(e) as { id: string }).id : '?'))
    ),
  ].sort();

/** The admin disconnects: Withings revokes the grant, Polar deregisters the user. */
const disconnect = (setup: Setup, connectionId: number) =>
  fetch(`${setup.wearables.url}/api/v1/connections/${connectionId}/disconnect`, { method: 'POST', headers: asAdmin });

/** Unix seconds, as Withings gives times. */
const at = (iso: string) => Date.parse(iso) / 1000;

const userOf = async (db: Knex, id: number) =>
  ((await db('device_connections').where({ id }).first('external_user_id')) as { external_user_id: string })
    .external_user_id;

/** Nightly Recharge, cardio load, SleepWise, biosensing and physical info (vendors/polar/measurements.db.test.ts). */
function givePolarRecovery(r: RecoveryData): void {
  r.recharges.set('2026-11-20', {
    polar_user: 'x',
    date: '2026-11-20',
    heart_rate_avg: 58,
    beat_to_beat_avg: 1034,
    heart_rate_variability_avg: 41,
    breathing_rate_avg: 14.1,
    nightly_recharge_status: 4,
    ans_charge: 2.5,
    ans_charge_status: 3,
    hrv_samples: { '00:41': 38 },
    breathing_samples: { '00:39': 13.4 },
  });
  r.cardioLoads.set('2026-11-20', {
    date: '2026-11-20',
    cardio_load_status: 'PRODUCTIVE',
    cardio_load: 85.3,
    strain: 60.2,
    tolerance: 55.1,
    cardio_load_ratio: 1.09,
    cardio_load_level: { very_low: 20, low: 40, medium: 60, high: 80, 'very-high': 100 },
  });
  r.alertness.push({
    grade: 8.2,
    grade_validity_seconds: 57600,
    grade_type: 'GRADE_TYPE_PRIMARY',
    grade_classification: 'GRADE_CLASSIFICATION_STRONG',
    validity: 'VALIDITY_VALID',
    sleep_inertia: 'SLEEP_INERTIA_MILD',
    sleep_type: 'SLEEP_TYPE_PRIMARY',
    result_type: 'ALERTNESS_TYPE_HISTORY',
    period_start_time: '2026-11-20T05:10:00',
    period_end_time: '2026-11-20T21:40:00',
    sleep_period_start_time: '2026-11-19T21:50:00.57',
    sleep_period_end_time: '2026-11-20T05:00:00.57',
    sleep_timezone_offset_minutes: 120,
    hourly_data: [
      {
        validity: 'VALIDITY_VALID',
        alertness_level: 'ALERTNESS_LEVEL_HIGH',
        start_time: '2026-11-20T05:10:00',
        end_time: '2026-11-20T06:00:00',
      },
    ],
  });
  r.circadianBedtimes.push({
    validity: 'VALIDITY_ESTIMATE',
    quality: 'CIRCADIAN_BEDTIME_QUALITY_COMPROMISED',
    result_type: 'CIRCADIAN_BEDTIME_TYPE_HISTORY',
    period_start_time: '2026-11-19T21:18:30',
    period_end_time: '2026-11-20T05:18:30',
    preferred_sleep_period_start_time: '2026-11-19T21:18:30',
    preferred_sleep_period_end_time: '2026-11-20T05:18:30',
    sleep_gate_start_time: '2026-11-19T21:03:30',
    sleep_gate_end_time: '2026-11-19T21:33:30',
    sleep_timezone_offset_minutes: 120,
  });
  r.bodyTemperatures.push({
    source_device_id: '1111AAAA',
    measurement_type: 'TM_CORE_TEMPERATURE',
    sensor_location: 'SL_PROXIMAL',
    start_time: '2026-11-20T04:00:00',
    end_time: '2026-11-20T05:00:00',
    modified_time: '2026-11-20T05:00:00',
    samples: [{ temperature_celsius: 36.5, recording_time_delta_milliseconds: 123 }],
  });
  r.skinTemperatures.push({
    sleep_time_skin_temperature_celsius: 33.5,
    deviation_from_baseline_celsius: 0.5,
    sleep_date: '2026-11-20',
  });
  const test = { source_device_id: '1111AAAA', time_zone_offset: 120, average_heart_rate_bpm: 60 };
  r.ecgTests.push({
    ...test,
    test_time: at('2026-11-20T09:00:00Z'),
    heart_rate_variability_ms: 30,
    heart_rate_variability_level: 'ECG_HRV_LEVEL_NO_BASELINE',
    rri_ms: 1000,
    pulse_transit_time_systolic_ms: 100,
    pulse_transit_time_diastolic_ms: 100,
    pulse_transit_time_quality_index: 100,
    samples: [{ recording_time_delta_ms: 0, amplitude_mv: 0.1 }],
    quality_measurements: [{ recording_time_delta_ms: 0, quality_level: 'ECG_QUALITY_HIGH' }],
  });
  r.spo2Tests.push({
    ...test,
    test_time: at('2026-11-20T09:10:00Z'),
    test_status: 'SPO2_TEST_PASSED',
    blood_oxygen_percent: 95,
    spo2_class: 'SPO2_CLASS_NORMAL',
    spo2_value_deviation_from_baseline: 'DEVIATION_NO_BASELINE',
    spo2_quality_average_percent: 90,
    heart_rate_variability_ms: 100,
    spo2_hrv_deviation_from_baseline: 'DEVIATION_NO_BASELINE',
    altitude_meters: 50,
  });
  r.physicalInfo = {
    weight: 70.5,
    height: 175,
    created: '2026-06-01T12:00:00Z',
    modified: '2026-11-10T12:00:00Z',
    birthday: '1990-01-01',
    gender: 'MALE',
    maximum_heart_rate: 190,
    resting_heart_rate: 60,
    aerobic_threshold: 140,
    anaerobic_threshold: 170,
    vo2_max: 50,
    weight_source: 'SOURCE_USER',
    training_background: 'REGULAR',
    typical_day: 'MOSTLY_MOVING',
    sleep_goal: 'PT8H',
  };
}

describe('the ingest and the simulators keep to the vendors’ OpenAPI documents', () => {
  contractTest(
    'Withings: connect and subscribe, measures, sleep summaries and detail, activity, workouts, intraday, ECG, devices, refresh, unsubscribe and disconnect',
    async ({ setup, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId } = await setup.wearables.connected('withings');
      await collectEverything(db, connectionId, clock());
      const u = setup.data.withings.user(await userOf(db, connectionId));
      u.measuregrps = [
        {
          grpid: 1,
          attrib: 0,
          date: at('2026-11-21T07:00:00Z'),
          created: at('2026-11-21T07:01:00Z'),
          modified: at('2026-11-21T07:01:00Z'),
          category: 1,
          deviceid: 'bc-1',
          hash_deviceid: 'bc-1',
          measures: [{ value: 74128, type: 1, unit: -3, algo: 0, fm: 131 }],
          modelid: 6,
          model: 'Body Cardio',
          comment: 'after a walk',
          timezone: 'Europe/Paris',
        },
      ];
      u.nights = [
        {
          id: 7,
          timezone: 'Europe/Paris',
          model: 32,
          startdate: at('2026-11-20T23:00:00Z'),
          enddate: at('2026-11-21T07:00:00Z'),
          date: '2026-11-21',
          created: at('2026-11-21T07:05:00Z'),
          modified: at('2026-11-21T07:05:00Z'),
          data: {
            wakeupduration: 600,
            lightsleepduration: 3360,
            deepsleepduration: 7800,
            remsleepduration: 5400,
            sleep_score: 71,
          },
        },
      ];
      u.segments = [
        {
          startdate: at('2026-11-20T23:00:00Z'),
          enddate: at('2026-11-20T23:15:00Z'),
          state: 1,
          model: 'Sleep Analyzer',
          hr: { [String(at('2026-11-20T23:00:00Z'))]: 61 },
        },
      ];
      u.measuregrps.push({
        grpid: 2,
        attrib: 2,
        date: at('2026-11-21T08:00:00Z'),
        created: at('2026-11-21T08:01:00Z'),
        modified: at('2026-11-21T08:01:00Z'),
        category: 1,
        measures: [
          { value: 130, type: 10, unit: 0 },
          { value: 85, type: 9, unit: 0 },
          { value: 96, type: 135, unit: -3 },
          { value: 0, type: 130, unit: 0 },
        ],
      });
      u.activities = [
        {
          date: '2026-11-21',
          timezone: 'Europe/Paris',
          deviceid: 'sw-1',
          hash_deviceid: 'sw-1',
          brand: 1,
          is_tracker: true,
          modified: at('2026-11-21T22:00:00Z'),
          model: 'ScanWatch',
          modelid: 93,
          steps: 8543,
          distance: 6234.5,
          active: 1800,
          calories: 312.5,
          totalcalories: 2150,
        },
      ];
      u.workouts = [
        {
          id: 9001,
          category: 2,
          timezone: 'Europe/Paris',
          model: 93,
          attrib: 7,
          startdate: at('2026-11-21T17:00:00Z'),
          enddate: at('2026-11-21T17:45:00Z'),
          date: '2026-11-21',
          modified: at('2026-11-21T18:00:00Z'),
          deviceid: 'sw-1',
          data: { calories: 410, distance: 7100, hr_average: 151, hr_max: 176, hr_zone_0: 300 },
        },
      ];
      u.intraday = {
        [String(at('2026-11-21T10:00:00Z'))]: {
          deviceid: 'sw-1',
          model: 'ScanWatch',
          model_id: 93,
          steps: 21,
          duration: 60,
          heart_rate: 72,
          spo2_auto: 96,
          rmssd: 41,
          sdnn1: 52,
        },
      };
      u.heart = [
        {
          deviceid: 'ecg-1',
          model: 91,
          ecg: { signalid: 4001, afib: 0 },
          heart_rate: 72,
          timestamp: at('2026-11-21T11:00:00Z'),
          modified: at('2026-11-21T11:01:00Z'),
        },
      ];
      u.signals = {
        '4001': { signal: [12, -40, 310], sampling_frequency: 300, wearposition: 1, model: 91, heart_rate: 72 },
      };
      givePolarRecovery(setup.data.polar.recovery(await userOf(db, connectionId)));
      const deps = pullDeps(setup.wearables, clock);
      const plan = {
        mode: 'range',
        from: new Date('2026-11-19T00:00:00Z'),
        to: new Date('2026-11-22T00:00:00Z'),
      } as const;
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);

      // Past the access token's life: the next pull refreshes first.
      clock.set(new Date(clock().getTime() + 4 * 3600_000));
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      expect((await disconnect(setup, connectionId)).status).toBe(200);

      expect(operationsOf(withingsContract, setup.withings.exchanges)).toEqual(
        expect.arrayContaining([
          'heartv2-get',
          'heartv2-list',
          'measure-getmeas',
          'measurev2-getactivity',
          'measurev2-getintradayactivity',
          'measurev2-getworkouts',
          'notify-list',
          'notify-revoke',
          'notify-subscribe',
          'oauth2-getaccesstoken',
          'sleepv2-get',
          'sleepv2-getsummary',
          'userv2-getdevice',
        ])
      );
      expect(problemsOf(withingsContract, setup.withings.exchanges)).toEqual([]);
    }
  );

  contractTest(
    'Polar: registration, user lookup, pull notifications, exercises, activity with steps, heart rate, sleep, recharge, cardio load, SleepWise, biosensing, physical info, webhook, deregistration',
    async ({ setup, db, clock }) => {
      clock.set(new Date('2026-11-22T12:00:00Z'));
      const { connectionId } = await setup.wearables.connected('polar');
      await collectEverything(db, connectionId, clock());
      const u = setup.data.polar.user(await userOf(db, connectionId));
      // The shapes the pull tests use (wearables/withings-polar-pull.db.test.ts), served as Polar documents them.
      u.exercises = [
        {
          id: '2AC312F',
          upload_time: '2026-11-20T10:40:02.000Z',
          device: 'Polar M400',
          device_id: '1111AAAA',
          start_time: '2026-11-20T10:40:02',
          start_time_utc_offset: 120,
          duration: 'PT15S',
          calories: 530,
          distance: 1600,
          heart_rate: { average: 129, maximum: 147 },
          sport: 'OTHER',
          heart_rate_zones: [{ index: 1, 'lower-limit': 110, 'upper-limit': 130, 'in-zone': 'PT4S' }],
          samples: [
            { 'recording-rate': 5, 'sample-type': '0', data: '100,null,102' },
            { 'recording-rate': 5, 'sample-type': '1', data: '7,8,9' },
          ],
        },
      ];
      u.activities = [
        {
          start_time: '2026-11-20T00:00:00',
          end_time: '2026-11-20T23:59:59',
          active_duration: 'PT3H11M',
          calories: 2500,
          steps: 40,
          distance_from_steps: 4590.53,
          samples: {
            date: '2026-11-20',
            steps: {
              interval_ms: 60_000,
              total_steps: 40,
              samples: [
                { steps: 20, timestamp: '2026-11-20T08:00' },
                { steps: 20, timestamp: '2026-11-20T08:01' },
              ],
            },
          },
        },
      ];
      u.continuousHr.set('2026-11-20', {
        polar_user: 'x',
        date: '2026-11-20',
        heart_rate_samples: [{ heart_rate: 63, sample_time: '00:02:08' }],
      });
      u.sleep.set('2026-11-20', {
        polar_user: 'x',
        date: '2026-11-20',
        sleep_start_time: '2026-11-19T23:50:00+02:00',
        sleep_end_time: '2026-11-20T07:00:00+02:00',
        device_id: '1111AAAA',
        light_sleep: 1000,
        deep_sleep: 2000,
        rem_sleep: 3000,
        unrecognized_sleep_stage: 0,
        total_interruption_duration: 400,
        sleep_score: 80,
        hypnogram: { '23:50': 2, '00:30': 4, '06:00': 0 },
        heart_rate_samples: { '00:41': 56 },
      });
      givePolarRecovery(setup.data.polar.recovery(await userOf(db, connectionId)));
      const deps = pullDeps(setup.wearables, clock);
      // The pull notifications: nothing uploaded since registration (204), then the day's activity.
      const listing = { ...setup.wearables.deps, budgets: deps.budgets };
      expect(await markPolarListed(listing, clock())).toEqual({ asked: true, listed: 0, unknown: 0 });
      setup.data.polar.recordOffline(await userOf(db, connectionId), {
        activities: [{ start_time: '2026-11-21T00:00:00', end_time: '2026-11-21T23:59:59', steps: 12 }],
      });
      setup.data.polar.syncDevice(await userOf(db, connectionId), clock());
      expect(await markPolarListed(listing, clock())).toEqual({ asked: true, listed: 1, unknown: 0 });
      const plan = {
        mode: 'range',
        from: new Date('2026-11-19T00:00:00Z'),
        to: new Date('2026-11-22T00:00:00Z'),
      } as const;
      expect((await pullConnection(deps, connectionId, plan)).errors).toEqual([]);
      // The client's webhook: created, then kept.
      for (const expected of [201, 200]) {
        const res = await fetch(`${setup.wearables.url}/api/v1/wearables/notifications/polar/webhook`, {
          method: 'POST',
          headers: asAdmin,
        });
        expect(res.status).toBe(expected);
      }
      const user_id = Number(await userOf(db, connectionId));
      const date = '2026-11-20';
      expect(
        await setup.wearables.polar.webhooks.notify({
          event: 'SLEEP',
          user_id,
          date,
          url: `${setup.polar.url}/v3/users/sleep/${date}`,
        })
      ).toBe(200);
      expect(setup.wearables.polar.webhooks.delivered.map((b) => (JSON.parse(b) as { event: string }).event)).toEqual([
        'PING',
        'SLEEP',
      ]);
      expect(setup.wearables.polar.webhooks.delivered.flatMap(polarPayloads)).toEqual([]);
      expect((await disconnect(setup, connectionId)).status).toBe(200);

      expect(operationsOf(polarContract, setup.polar.exchanges)).toEqual(
        expect.arrayContaining([
          'createWebhook',
          'getWebhook',
          'registerUser',
          'list',
          'listExercisesWithoutTransaction',
          'listActivitiesWithoutTransaction',
          'listNightlyRecharge',
          'GET /v3/users/cardio-load/date',
          'GET /v3/users/sleepwise/alertness/date',
          'GET /v3/users/sleepwise/circadian-bedtime/date',
          'GET /v3/users/biosensing/bodytemperature',
          'GET /v3/users/biosensing/skintemperature',
          'GET /v3/users/biosensing/ecg',
          'GET /v3/users/biosensing/spo2',
          'getUserPhysicalInformation',
          'deleteUser',
        ])
      );
      expect(problemsOf(polarContract, setup.polar.exchanges)).toEqual([]);
    }
  );
});
