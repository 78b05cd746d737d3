import type { Vendor } from '../vendor.ts';
import { markPolarListed, POLAR_LISTING_MINUTES } from './available.ts';
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
   * wearable-apis.md §5.4, a paraphrase of Polar's page found in third-party code. A pull: one call
   * a type (`source.ts`). Of the default measurements (no ECG), 134 calls a day at hourly pulls
   * (`bench/late-sync.bench.ts`: 24 × 5 and the nightly types', read every 12 hours, 2 × 7). The
   * token endpoint is on another host, outside the data quota.
   */
  quotas: {
    windows: [
      { name: 'per app per 15 minutes', scope: 'app', windowSeconds: 900, limit: 500, perConnection: 20 },
      { name: 'per app per 24 hours', scope: 'app', windowSeconds: 86_400, limit: 5000, perConnection: 100 },
    ],
    callsPerType: {
      exercises: 1,
      activity: 1,
      continuousHr: 1,
      sleep: 1,
      ecgTests: 1,
      spo2Tests: 1,
      nightlyRecharge: 1,
      cardioLoad: 1,
      alertness: 1,
      circadianBedtime: 1,
      bodyTemperature: 1,
      skinTemperature: 1,
      physicalInfo: 1,
    },
  },
  rateLimits: { key: () => 'polar:app:short', headers: true },
  listing: { everyMinutes: POLAR_LISTING_MINUTES, pass: (deps, now) => markPolarListed(deps, now) },
  notifications: {
    routes: (routing) => polarNotificationRoutes(routing),
    adminRoutes: (routing) => polarNotificationAdminRoutes(routing),
  },
};
