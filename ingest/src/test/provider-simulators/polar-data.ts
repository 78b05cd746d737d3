import type { Context, Hono } from 'hono';
import type { PolarApiContext } from './polar.ts';
import {
  emptyRecovery,
  mountRecoveryRoutes,
  syncRecovery,
  type RecoveryData,
  type UnsyncedRecovery,
} from './polar-recovery-data.ts';

/**
 * Polar's transaction-less data routes for the simulator (wearable-apis.md §5.2, §5.6): the
 * 30-day exercise list, daily activity over at most 28 days and at most 365 days back (400
 * otherwise) with repeated step samples filtered out, continuous heart rate per date (404 when none)
 * and over a range, sleep per date (404 when none) and the 28-night list. Every route goes through
 * `authenticate`: RateLimit headers, 429, 401, and 403 while consents are missing. The deprecated
 * transaction routes answer 410 so that nothing builds on them. A device may record offline and
 * upload later (`recordOffline`, `syncDevice`): Flow serves data only once uploaded. Nightly
 * Recharge, cardio load, SleepWise, biosensing and physical info are in `polar-recovery-data.ts`.
 */

type Row = Record<string, unknown>;
type UserData = { exercises: Row[]; activities: Row[]; continuousHr: Map<string, Row>; sleep: Map<string, Row> };

type Unsynced = { exercises?: Row[]; activities?: Row[]; continuousHr?: Row[]; sleep?: Row[] } & UnsyncedRecovery;

export type PolarData = {
  extend: (app: Hono, api: PolarApiContext) => void;
  user: (userId: string) => UserData;
  /** The user's recovery, SleepWise, biosensing and profile data (not generated: tests set it). */
  recovery: (userId: string) => RecoveryData;
  generate: ((userId: string) => UserData) | null;
  /** What the user's device recorded but has not uploaded to Flow: served only after `syncDevice`. */
  recordOffline: (userId: string, rows: Unsynced) => void;
  /**
   * The device uploads at `at`: what it kept is served from then on, its exercises with
   * `upload_time` `at`, and the pull notifications list the user for the exercises, daily activity
   * and physical info it brought.
   */
  syncDevice: (userId: string, at: Date) => void;
};

/** The `data-type`s of the pull notifications (AvailableUserData) and the transaction path each `url` names. */
const AVAILABLE = { EXERCISE: 'exercise', ACTIVITY_SUMMARY: 'activity', PHYSICAL_INFORMATION: 'physical-information' };
type AvailableType = keyof typeof AVAILABLE;

const DAY = 86_400_000;
const isDate = (s: string | undefined): s is string => s !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(s);

type StepSamples = { samples?: { steps: number }[] } & Row;

/**
 * "Consecutive repeated (same steps count) samples are filtered out … to reduce the payload size"
 * (activity-steps2): tests and benches give whole minute series, and receive them as Polar sends them.
 */
function withRepeatsFiltered(activity: Row): Row {
  const samples = activity.samples as ({ steps?: StepSamples } & Row) | undefined;
  const series = samples?.steps?.samples;
  if (!samples || !series) return activity;
  const kept = series.filter((s, i) => i === 0 || s.steps !== series[i - 1]!.steps);
  return { ...activity, samples: { ...samples, steps: { ...samples.steps, samples: kept } } };
}

export function polarData(): PolarData {
  const users = new Map<string, UserData>();
  const unsynced = new Map<string, Unsynced[]>();
  const recoveries = new Map<string, RecoveryData>();
  const available = new Map<string, Set<AvailableType>>();
  const data: PolarData = {
    generate: null,
    recordOffline(userId, rows) {
      unsynced.set(userId, [...(unsynced.get(userId) ?? []), rows]);
    },
    syncDevice(userId, at) {
      const u = data.user(userId);
      for (const rows of unsynced.get(userId) ?? []) {
        u.exercises.push(...(rows.exercises ?? []).map((e) => ({ ...e, upload_time: at.toISOString() })));
        u.activities.push(...(rows.activities ?? []));
        for (const day of rows.continuousHr ?? []) u.continuousHr.set(String(day.date), day);
        for (const night of rows.sleep ?? []) u.sleep.set(String(night.date), night);
        syncRecovery(data.recovery(userId), rows);
        const types = available.get(userId) ?? new Set<AvailableType>();
        if (rows.exercises?.length) types.add('EXERCISE');
        if (rows.activities?.length) types.add('ACTIVITY_SUMMARY');
        if (rows.physicalInfo) types.add('PHYSICAL_INFORMATION');
        if (types.size > 0) available.set(userId, types);
      }
      unsynced.delete(userId);
    },
    user(userId) {
      let u = users.get(userId);
      if (!u) users.set(userId, (u = { exercises: [], activities: [], continuousHr: new Map(), sleep: new Map() }));
      return u;
    },
    recovery(userId) {
      let r = recoveries.get(userId);
      if (!r) recoveries.set(userId, (r = emptyRecovery()));
      return r;
    },
    extend(app, api) {
      const { core } = api;
      const authenticate = (c: Context) => api.authenticate(c);
      const none: UserData = { exercises: [], activities: [], continuousHr: new Map(), sleep: new Map() };
      const userOf = (id: string) => (api.isRegistered(id) ? (data.generate?.(id) ?? data.user(id)) : none);
      app.get('/v3/exercises', (c) => {
        core.record('exercises');
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const since = core.clock().getTime() - 30 * DAY;
        return c.json(userOf(auth.grant.userId).exercises.filter((e) => Date.parse(String(e.upload_time)) >= since));
      });
      app.get('/v3/users/activities', (c) => {
        core.record('activities');
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const from = c.req.query('from');
        const to = c.req.query('to');
        const today = core.clock().toISOString().slice(0, 10);
        if (!isDate(from) || !isDate(to) || to < from) return c.body(null, 400);
        if ((Date.parse(to) - Date.parse(from)) / DAY >= 28 || (Date.parse(today) - Date.parse(from)) / DAY > 365) {
          return c.body(null, 400);
        }
        return c.json(
          userOf(auth.grant.userId)
            .activities.filter((a) => {
              const d = String(a.start_time).slice(0, 10);
              return d >= from && d <= to;
            })
            .map(withRepeatsFiltered)
        );
      });
      // The range's answer groups the days under `heart_rates` (observed by third-party clients;
      // the document names only the one-day schema, see vendors/polar/source.ts).
      app.get('/v3/users/continuous-heart-rate', (c) => {
        core.record('continuous-heart-rate-range');
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const from = c.req.query('from');
        const to = c.req.query('to');
        if (!isDate(from) || !isDate(to) || to < from) return c.body(null, 400);
        const days = [...userOf(auth.grant.userId).continuousHr.values()]
          .filter((d) => String(d.date) >= from && String(d.date) <= to)
          .sort((a, b) => String(a.date).localeCompare(String(b.date)));
        return c.json({ heart_rates: days });
      });
      app.get('/v3/users/continuous-heart-rate/:date', (c) => {
        core.record('continuous-heart-rate');
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const day = userOf(auth.grant.userId).continuousHr.get(c.req.param('date'));
        return day ? c.json(day) : c.body(null, 404);
      });
      // listNights: the last 28 days.
      app.get('/v3/users/sleep', (c) => {
        core.record('sleep-list');
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const since = new Date(core.clock().getTime() - 27 * DAY).toISOString().slice(0, 10);
        const nights = [...userOf(auth.grant.userId).sleep.values()]
          .filter((n) => String(n.date) >= since)
          .sort((a, b) => String(a.date).localeCompare(String(b.date)));
        return c.json({ nights });
      });
      app.get('/v3/users/sleep/:date', (c) => {
        core.record('sleep');
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const night = userOf(auth.grant.userId).sleep.get(c.req.param('date'));
        return night ? c.json(night) : c.body(null, 404);
      });
      mountRecoveryRoutes(app, {
        record: (route) => core.record(route),
        clock: () => core.clock(),
        auth: authenticate,
        userOf: (id) => (api.isRegistered(id) ? data.recovery(id) : emptyRecovery()),
      });
      // Pull notifications (`list`): 204 when nothing is available, as documented. Not documented:
      // when an entry leaves the list. Only a committed transaction is documented to remove data,
      // and the transaction routes here answer 410, so an entry stays once listed (assumed, not
      // observed: the reading that spends the most pulls). Only registered users are listed, as
      // only their data is served.
      app.get('/v3/notifications', (c) => {
        core.record('notifications');
        const refused = api.authenticateClient(c);
        if (refused) return refused;
        const origin = new URL(c.req.url).origin;
        const entries = [...available].flatMap(([userId, types]) =>
          api.isRegistered(userId)
            ? [...types].map((type) => ({
                'user-id': Number(userId),
                'data-type': type,
                url: `${origin}/v3/users/${userId}/${AVAILABLE[type]}-transactions`,
              }))
            : []
        );
        return entries.length === 0 ? c.body(null, 204) : c.json({ 'available-user-data': entries });
      });
      app.all('/v3/users/:id/:kind{[a-z-]+-transactions.*}', (c) => {
        core.record('transaction');
        return c.body(null, 410);
      });
    },
  };
  return data;
}
