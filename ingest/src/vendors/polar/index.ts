import type { Vendor } from '../vendor.ts';
import { createPolarProvider } from './provider.ts';
import { polarNotificationAdminRoutes, polarNotificationRoutes } from './routes.ts';
import { polarSource } from './source.ts';

export const polar: Vendor = {
  id: 'polar',
  displayName: 'Polar',
  shortName: 'Polar',
  appName: 'Polar Flow',
  issuesRefreshTokens: false,
  createProvider: ({ polar: config }, fetchFn) =>
    config.client ? createPolarProvider({ ...config, client: config.client }, fetchFn) : null,
  source: polarSource,
  /** Its one scope covers everything. */
  offer: {
    order: ['accesslink.read_all'],
    always: ['accesslink.read_all'],
    scopes: {
      heart_rate: [],
      activity: [],
      sleep: [],
      body: [],
      spo2: [],
      temperature: [],
      workouts: [],
      ecg: [],
      recovery: [],
      cardio_load: [],
      sleepwise: [],
    },
    types: {
      exercises: ['workouts'],
      activity: ['activity'],
      continuousHr: ['heart_rate'],
      sleep: ['sleep'],
      ecgTests: ['ecg'],
      spo2Tests: ['spo2'],
      nightlyRecharge: ['recovery'],
      cardioLoad: ['cardio_load'],
      alertness: ['sleepwise'],
      circadianBedtime: ['sleepwise'],
      bodyTemperature: ['temperature'],
      skinTemperature: ['temperature'],
      physicalInfo: ['body'],
    },
  },
  /**
   * wearable-apis.md §5.4, a paraphrase of Polar's page found in third-party code. A pull:
   * exercises, activity, heart rate, sleep and the wrist ECG and SpO2 tests, one call each
   * (`source.ts`), 158 calls a day at hourly pulls (`bench/late-sync.bench.ts`: 24 × 6 and the
   * nightly types' 2 × 7). Rationed: Nightly Recharge, cardio load, two SleepWise ranges, body and
   * skin temperature and physical info, every 12 hours. The token endpoint is on another host,
   * outside the data quota.
   */
  quotas: {
    windows: [
      { name: 'per app per 15 minutes', scope: 'app', windowSeconds: 900, limit: 500, perConnection: 20 },
      { name: 'per app per 24 hours', scope: 'app', windowSeconds: 86_400, limit: 5000, perConnection: 100 },
    ],
    callsPerPull: 6,
    rationed: { calls: 7, perDay: 2 },
  },
  rateLimits: { key: () => 'polar:app:short', headers: true },
  notifications: {
    routes: (routing) => polarNotificationRoutes(routing),
    adminRoutes: (routing) => polarNotificationAdminRoutes(routing),
  },
};
