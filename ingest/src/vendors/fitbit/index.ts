import type { Vendor } from '../vendor.ts';
import { createFitbitProvider, GOOGLE_ECG_SCOPE, GOOGLE_IRN_SCOPE } from './provider.ts';
import { googleNotificationAdminRoutes, googleNotificationRoutes } from './routes.ts';
import { fitbitSource } from './source.ts';

const GOOGLE = 'https://www.googleapis.com/auth/googlehealth.';
const ACTIVITY = `${GOOGLE}activity_and_fitness.readonly`;
const METRICS = `${GOOGLE}health_metrics_and_measurements.readonly`;
const SLEEP = `${GOOGLE}sleep.readonly`;

/** Fitbit devices through the Google Health API. */
export const fitbit: Vendor = {
  id: 'fitbit',
  displayName: 'Fitbit (Google Health)',
  shortName: 'Fitbit',
  appName: 'Fitbit',
  issuesRefreshTokens: true,
  /** A Google Cloud project in Testing status ends every authorisation seven days after consent (google-health-api.md §13). */
  testingGrantDays: 7,
  createProvider: ({ fitbit: config }, fetchFn) =>
    config.client ? createFitbitProvider({ ...config, client: config.client }, fetchFn) : null,
  source: fitbitSource,
  /**
   * The Health API's scopes by data type (google-health-api.md §1.3), `settings.readonly` for the
   * paired devices whose last sync bounds every read.
   */
  offer: {
    order: [ACTIVITY, METRICS, SLEEP, `${GOOGLE}settings.readonly`, GOOGLE_ECG_SCOPE, GOOGLE_IRN_SCOPE],
    always: [`${GOOGLE}settings.readonly`],
    scopes: {
      heart_rate: [METRICS],
      activity: [ACTIVITY],
      sleep: [SLEEP],
      body: [METRICS],
      spo2: [METRICS],
      temperature: [METRICS],
      hrv_breathing: [METRICS],
      vo2max: [ACTIVITY],
      workouts: [ACTIVITY],
      ecg: [GOOGLE_ECG_SCOPE],
      irn: [GOOGLE_IRN_SCOPE],
    },
    types: {
      devices: [],
      steps: ['activity'],
      heartRate: ['heart_rate'],
      restingHeartRate: ['heart_rate'],
      sleep: ['sleep'],
      weight: ['body'],
      spo2: ['spo2'],
      hrv: ['hrv_breathing'],
      bodyFat: ['body'],
      vo2Max: ['vo2max'],
      respiratorySleep: ['hrv_breathing'],
      dailyRespiratoryRate: ['hrv_breathing'],
      dailySpo2: ['spo2'],
      dailyHrv: ['hrv_breathing'],
      skinTemperature: ['temperature'],
      dailyVo2Max: ['vo2max'],
      exercise: ['workouts'],
      dailyTotals: ['activity'],
      ecg: ['ecg'],
      irn: ['irn'],
    },
  },
  /**
   * google-health-api.md §12.4. Google's cap of 100 users for an unverified app is a verification
   * matter, not a call quota, and is not modelled. A pull of the default measurements: 504 calls a
   * day at hourly pulls (`bench/late-sync.bench.ts`: the paired devices, 16 lists, and for the
   * day's totals 3 daily roll-ups and the `reconcile` of its activity levels). Google's token
   * endpoint is on another host, outside the data quota.
   */
  quotas: {
    windows: [
      { name: 'per user per minute', scope: 'user', windowSeconds: 60, limit: 300, perConnection: 0 },
      { name: 'per project per minute', scope: 'app', windowSeconds: 60, limit: 120_000, perConnection: 0 },
      { name: 'per project per day', scope: 'app', windowSeconds: 86_400, limit: 86_400_000, perConnection: 0 },
    ],
    callsPerType: {
      devices: 1,
      steps: 1,
      heartRate: 1,
      restingHeartRate: 1,
      sleep: 1,
      weight: 1,
      spo2: 1,
      hrv: 1,
      bodyFat: 1,
      vo2Max: 1,
      respiratorySleep: 1,
      dailyRespiratoryRate: 1,
      dailySpo2: 1,
      dailyHrv: 1,
      skinTemperature: 1,
      dailyVo2Max: 1,
      exercise: 1,
      dailyTotals: 4,
      ecg: 1,
      irn: 1,
    },
  },
  rateLimits: { key: (connectionId) => `fitbit:user:${connectionId}`, headers: false },
  notifications: {
    routes: (routing) => googleNotificationRoutes(routing),
    adminRoutes: (routing) => googleNotificationAdminRoutes(routing),
  },
};
