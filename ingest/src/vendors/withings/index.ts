import type { Vendor } from '../vendor.ts';
import { subscribeWithings, unsubscribeWithings } from './notifications.ts';
import { createWithingsProvider } from './provider.ts';
import { withingsNotificationRoutes } from './routes.ts';
import { withingsSource } from './source.ts';

export const withings: Vendor = {
  id: 'withings',
  displayName: 'Withings',
  shortName: 'Withings',
  appName: 'Withings',
  issuesRefreshTokens: true,
  createProvider: ({ withings: config }, fetchFn) =>
    config.client ? createWithingsProvider({ ...config, client: config.client }, fetchFn) : null,
  source: withingsSource,
  /**
   * `user.metrics` for getmeas and the heart list, `user.activity` for activity, workouts and sleep
   * (wearable-apis.md §4.1.1), `user.info` for the device list, `user.sleepevents` with sleep for
   * its notifications.
   */
  offer: {
    order: ['user.info', 'user.metrics', 'user.activity', 'user.sleepevents'],
    always: ['user.info'],
    scopes: {
      heart_rate: ['user.metrics', 'user.activity'],
      activity: ['user.activity'],
      sleep: ['user.activity', 'user.sleepevents'],
      body: ['user.metrics'],
      blood_pressure: ['user.metrics'],
      spo2: ['user.metrics'],
      temperature: ['user.metrics'],
      hrv_breathing: ['user.activity'],
      vo2max: ['user.metrics'],
      workouts: ['user.activity'],
      ecg: ['user.metrics'],
      irn: ['user.metrics'],
    },
    types: {
      measures: ['body', 'blood_pressure', 'heart_rate', 'spo2', 'temperature', 'vo2max', 'ecg', 'irn'],
      sleep: ['sleep', 'hrv_breathing'],
      devices: [],
      activity: ['activity'],
      workouts: ['workouts'],
      intraday: ['activity', 'heart_rate'],
      heart: ['ecg'],
    },
  },
  /**
   * wearable-apis.md §4.5. A pull of the default measurements (no ECG): 219 calls a day at hourly
   * pulls (`bench/late-sync.bench.ts`: one call a type, the intraday series' day by day over the
   * days a sync reads again, and a night's sleep detail, not counted here, once a day).
   * Token refreshes: access tokens last 3 hours (§4.2), so 8 a day, and the 120 a minute are
   * "across all users" of the app (§4.5), which we take to include its OAuth calls on the same
   * host (the docs do not say; counting them is the safe reading, and the pulls' budget admits them).
   */
  quotas: {
    windows: [{ name: 'per app per minute', scope: 'app', windowSeconds: 60, limit: 120, perConnection: 0 }],
    callsPerType: { measures: 1, sleep: 1, devices: 1, activity: 1, workouts: 1, intraday: 4, heart: 1 },
    refreshesInQuota: 8,
  },
  rateLimits: { key: () => 'withings:app', headers: false },
  notifications: { routes: (routing) => withingsNotificationRoutes(routing) },
  subscriptions: {
    subscribe: (deps, connectionId, requestId) => subscribeWithings(deps, connectionId, requestId),
    unsubscribe: (deps, connectionId, accessToken) => unsubscribeWithings(deps, connectionId, accessToken),
  },
};
