import type { Context, Hono } from 'hono';
import type { GoogleApiContext } from './google-health.ts';

/**
 * The Google Health API `list` and `reconcile` data endpoints for the simulator (google-health-api.md §3.3, §3.4, §7.3):
 * AIP-160 filters checked per type (member, literal format), points newest first, per-type page
 * caps below any larger `pageSize`, and `nextPageToken` paging. `list` has no range limit: Google
 * documents none and none was observed (§3.3; the 14/90-day caps are `rollUp`'s), although the
 * ingest chunks its walks as other clients do.
 * Points are stored as the API serves them; tests put exact points, benches a generator.
 */

const SCOPE = 'https://www.googleapis.com/auth/googlehealth.';
const HEALTH = 'health_metrics_and_measurements.readonly';
const ACTIVITY = 'activity_and_fitness.readonly';

/**
 * `pageCap`: the most points the server puts on a page whatever `pageSize` asks (observed for HR and steps).
 * `lowerOnly`: the filter takes a lower bound and nothing else (ECG, §3.3). `listOnly`: not in the
 * `reconcile` union (§9.1).
 */
type TypeRule = {
  token: string;
  key: string;
  member: string;
  pageCap: number;
  scope: string;
  lowerOnly?: boolean;
  listOnly?: boolean;
};
const rule = (member: string) => (id: string, token: string, key: string, scope: string) => ({
  [id]: { token, key, member, pageCap: 10_000, scope },
});
const sampled = rule('sample_time.physical_time');
const daily = rule('date');
const interval = rule('interval.start_time');

const RULES: Record<string, TypeRule> = {
  steps: {
    token: 'steps',
    key: 'steps',
    member: 'interval.start_time',
    pageCap: 1000,
    scope: 'activity_and_fitness.readonly',
  },
  'heart-rate': {
    token: 'heart_rate',
    key: 'heartRate',
    member: 'sample_time.physical_time',
    pageCap: 5000,
    scope: 'health_metrics_and_measurements.readonly',
  },
  'daily-resting-heart-rate': {
    token: 'daily_resting_heart_rate',
    key: 'dailyRestingHeartRate',
    member: 'date',
    pageCap: 10_000,
    scope: 'health_metrics_and_measurements.readonly',
  },
  sleep: {
    token: 'sleep',
    key: 'sleep',
    member: 'interval.end_time',
    pageCap: 25,
    scope: 'sleep.readonly',
  },
  weight: {
    token: 'weight',
    key: 'weight',
    member: 'sample_time.physical_time',
    pageCap: 10_000,
    scope: 'health_metrics_and_measurements.readonly',
  },
  'oxygen-saturation': {
    token: 'oxygen_saturation',
    key: 'oxygenSaturation',
    member: 'sample_time.physical_time',
    pageCap: 10_000,
    scope: 'health_metrics_and_measurements.readonly',
  },
  'heart-rate-variability': {
    token: 'heart_rate_variability',
    key: 'heartRateVariability',
    member: 'sample_time.physical_time',
    pageCap: 10_000,
    scope: 'health_metrics_and_measurements.readonly',
  },
  ...sampled('body-fat', 'body_fat', 'bodyFat', HEALTH),
  ...sampled('vo2-max', 'vo2_max', 'vo2Max', ACTIVITY),
  ...sampled('respiratory-rate-sleep-summary', 'respiratory_rate_sleep_summary', 'respiratoryRateSleepSummary', HEALTH),
  ...daily('daily-respiratory-rate', 'daily_respiratory_rate', 'dailyRespiratoryRate', HEALTH),
  ...daily('daily-oxygen-saturation', 'daily_oxygen_saturation', 'dailyOxygenSaturation', HEALTH),
  ...daily('daily-heart-rate-variability', 'daily_heart_rate_variability', 'dailyHeartRateVariability', HEALTH),
  ...daily(
    'daily-sleep-temperature-derivations',
    'daily_sleep_temperature_derivations',
    'dailySleepTemperatureDerivations',
    HEALTH
  ),
  ...daily('daily-vo2-max', 'daily_vo2_max', 'dailyVo2Max', ACTIVITY),
  // Exercise is filtered on civil time only, with zone-less literals (§3.3, §3.8); pages of 25.
  exercise: {
    token: 'exercise',
    key: 'exercise',
    member: 'interval.civil_start_time',
    pageCap: 25,
    scope: ACTIVITY,
  },
  ...interval('distance', 'distance', 'distance', ACTIVITY),
  ...interval('active-zone-minutes', 'active_zone_minutes', 'activeZoneMinutes', ACTIVITY),
  ...interval('activity-level', 'activity_level', 'activityLevel', ACTIVITY),
  // ECG and irregular-rhythm notifications (§9.3): `list` only, each under its own scope (§1.3;
  // the discovery document names neither on the dataPoints methods, §8 item 11). The ECG filter is
  // `>=` on the start time alone; the notifications' member is not in google-health-api.md: civil
  // start time, as for the other session types read by start (exercise, logs; §0 item 3, §3.3).
  electrocardiogram: {
    token: 'electrocardiogram',
    key: 'electrocardiogram',
    member: 'interval.start_time',
    pageCap: 10_000,
    scope: 'ecg.readonly',
    lowerOnly: true,
    listOnly: true,
  },
  'irregular-rhythm-notification': {
    token: 'irregular_rhythm_notification',
    key: 'irregularRhythmNotification',
    member: 'interval.civil_start_time',
    pageCap: 10_000,
    scope: 'irn.readonly',
    listOnly: true,
  },
};

/** Types `dailyRollUp` serves here, and the rollup value each sums per civil day (§3.5, §3.6, §9.3). */
const ROLLUPS: Record<string, { key: string; sum: (points: Point[]) => Record<string, string> }> = {
  steps: { key: 'steps', sum: (ps) => ({ countSum: total(ps, 'steps', 'count') }) },
  distance: { key: 'distance', sum: (ps) => ({ millimetersSum: total(ps, 'distance', 'millimeters') }) },
  'active-zone-minutes': {
    key: 'activeZoneMinutes',
    sum: (ps) => {
      const inZone = (zone: string) =>
        total(
          ps.filter((p) => (p.activeZoneMinutes as { heartRateZone?: string }).heartRateZone === zone),
          'activeZoneMinutes',
          'activeZoneMinutes'
        );
      // int64 as strings; proto3 leaves out zeros.
      const sums = {
        sumInFatBurnHeartZone: inZone('FAT_BURN'),
        sumInCardioHeartZone: inZone('CARDIO'),
        sumInPeakHeartZone: inZone('PEAK'),
      };
      return Object.fromEntries(Object.entries(sums).filter(([, v]) => v !== '0'));
    },
  },
};

type Point = Record<string, unknown>;

const total = (ps: Point[], key: string, field: string) =>
  String(ps.reduce((n, p) => n + Number((p[key] as Record<string, unknown>)[field] ?? 0), 0));

/** The instant (or date) a point is filtered and ordered on. */
function keyOf(rule: TypeRule, point: Point): string {
  const v = point[rule.key] as Record<string, unknown>;
  if (rule.member === 'date') {
    const d = v.date as { year: number; month: number; day: number };
    return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  }
  if (rule.member === 'interval.civil_start_time') {
    const c = (v.interval as { civilStartTime: { date: Record<string, number>; time?: Record<string, number> } })
      .civilStartTime;
    const two = (n: number | undefined) => String(n ?? 0).padStart(2, '0');
    return `${c.date.year}-${two(c.date.month)}-${two(c.date.day)}T${two(c.time?.hours)}:${two(c.time?.minutes)}:${two(c.time?.seconds)}`;
  }
  if (rule.member.startsWith('interval.')) {
    const i = v.interval as Record<string, string>;
    return new Date((rule.member === 'interval.end_time' ? i.endTime : i.startTime) ?? 0).toISOString();
  }
  return new Date((v.sampleTime as { physicalTime: string }).physicalTime).toISOString();
}

type CivilDateTime = { date?: { year?: number; month?: number; day?: number } } & Record<string, unknown>;
type DailyRollUpRequest = {
  range?: { start?: CivilDateTime; end?: CivilDateTime };
  windowSizeDays?: number;
  pageSize?: number;
  dataSourceFamily?: string;
};
const FAMILIES = ['all-sources', 'google-wearables', 'google-sources'].map((f) => `users/me/dataSourceFamilies/${f}`);

/**
 * Whether a point's source is in a `dataSourceFamily` (§3.4, §11.1): "tracker devices" for
 * `google-wearables`, "Google first party sources" for `google-sources`, every source by default.
 * Which platforms Google counts as first party is not documented: here, the trackers (FITBIT)
 * and points that name no platform.
 */
function inFamily(family: string, point: Point): boolean {
  const platform = (point.dataSource as { platform?: string } | undefined)?.platform;
  if (family.endsWith('/google-wearables')) return platform === 'FITBIT';
  if (family.endsWith('/google-sources')) return platform === undefined || platform === 'FITBIT';
  return true;
}

/**
 * `reconcile`'s single stream (§11.1): Google does not document how it merges sources (which one
 * wins an overlap, how duplicates are found), and nothing about it was observed beyond one account's
 * steps matching the app (§3.4). This stand-in keeps one point per instant the type is filtered on
 * (interval start, sample time or date), a tracker's before any other source's. Each point is
 * served as a `ReconciledDataPoint`: `dataPointName` for `name`, and no `dataSource` [doc].
 */
function reconciled(rule: TypeRule, points: readonly { p: Point; k: string }[]): { p: Point; k: string }[] {
  const kept = new Map<string, { p: Point; k: string }>();
  for (const point of points) {
    const held = kept.get(point.k);
    const tracker = (x: Point) => (x.dataSource as { platform?: string } | undefined)?.platform === 'FITBIT';
    if (!held || (tracker(point.p) && !tracker(held.p))) kept.set(point.k, point);
  }
  return [...kept.values()].map(({ p, k }) => {
    const name = p.name as string | undefined;
    return { p: { ...(name !== undefined && { dataPointName: name }), [rule.key]: p[rule.key] }, k };
  });
}
const MAX_ROLLUP_DAYS = 90;

const dateOf = (c: CivilDateTime | undefined) => {
  const d = c?.date ?? {};
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
};

/** The documented and observed refusals of a `dailyRollUp` body (§3.6, §12): the first that applies. */
function checkDailyRollUp(body: DailyRollUpRequest | null): { reason: string; message: string } | null {
  for (const end of ['start', 'end'] as const) {
    const c = body?.range?.[end];
    // A bare {year, month, day} where a CivilDateTime belongs (observed, §3.6).
    const stray = Object.keys(c ?? {}).find((k) => k !== 'date' && k !== 'time');
    if (stray)
      return {
        reason: 'INVALID_ARGUMENT',
        message: `Invalid JSON payload received. Unknown name "${stray}" at 'range.${end}': Cannot find field.`,
      };
    const d = c?.date;
    if (!d || !Number.isInteger(d.year) || !Number.isInteger(d.month) || !Number.isInteger(d.day))
      return { reason: 'INVALID_ARGUMENT', message: `range.${end}.date is required.` };
  }
  if (body?.windowSizeDays !== undefined && body.windowSizeDays !== 1)
    return { reason: 'INVALID_ARGUMENT', message: 'Only windows of one day are served by this simulator.' };
  const days =
    (Date.parse(`${dateOf(body?.range?.end)}T00:00:00Z`) - Date.parse(`${dateOf(body?.range?.start)}T00:00:00Z`)) /
    86_400_000;
  if (!(days > 0)) return { reason: 'INVALID_ARGUMENT', message: 'range.end must be after range.start.' };
  if (days > MAX_ROLLUP_DAYS)
    return {
      reason: 'INVALID_ROLLUP_QUERY_DURATION',
      message: `The rollup range must not exceed ${MAX_ROLLUP_DAYS} days (maxDurationDays).`,
    };
  // Observed: a pageSize below the number of windows is refused (§3.6).
  if (body?.pageSize !== undefined && body.pageSize < days)
    return { reason: 'INVALID_ARGUMENT', message: `page_size (${body.pageSize}) is too small.` };
  if (body?.dataSourceFamily !== undefined && !FAMILIES.includes(body.dataSourceFamily))
    return { reason: 'INVALID_DATA_POINT_DATA_SOURCE_FAMILY', message: 'Invalid data source family.' };
  return null;
}

export type GoogleHealthData = {
  extend: (app: Hono, api: GoogleApiContext) => void;
  /** Adds points (as the API serves them) of a type (URL id, e.g. `heart-rate`) for a user. */
  put: (healthUserId: string, type: string, points: readonly Point[]) => void;
  /** Overrides page caps (e.g. 2, to cross page boundaries in a test). */
  pageCap: number | null;
  /** Points made on demand for a window (benches), in place of stored ones. */
  generate: ((healthUserId: string, type: string, from: string, to: string) => Point[]) | null;
  /** Points the user's tracker recorded but has not uploaded: served only after `syncDevice`. */
  recordOffline: (healthUserId: string, type: string, points: readonly Point[]) => void;
  /** The tracker uploads at `at`: what it kept is served from then on, and its `lastSyncTime` is `at`. */
  syncDevice: (healthUserId: string, at: Date) => void;
  /** For the simulator's `pairedDevices` option: one tracker, last synced when `syncDevice` said, for users that synced through it. */
  pairedDevices: (healthUserId: string) => readonly unknown[] | undefined;
};

export function googleHealthData(): GoogleHealthData {
  const store = new Map<string, Point[]>();
  const unsynced = new Map<string, { type: string; points: readonly Point[] }[]>();
  const lastSync = new Map<string, Date>();
  const data: GoogleHealthData = {
    pageCap: null,
    generate: null,
    put(user, type, points) {
      const key = `${user}|${type}`;
      store.set(key, [...(store.get(key) ?? []), ...points]);
    },
    recordOffline(user, type, points) {
      unsynced.set(user, [...(unsynced.get(user) ?? []), { type, points }]);
    },
    syncDevice(user, at) {
      for (const { type, points } of unsynced.get(user) ?? []) data.put(user, type, points);
      unsynced.delete(user);
      lastSync.set(user, at);
    },
    pairedDevices(user) {
      const at = lastSync.get(user);
      if (!at) return undefined;
      return [
        {
          name: 'users/me/pairedDevices/7654321',
          deviceType: 'TRACKER',
          deviceVersion: 'Charge 6',
          batteryStatus: 'High',
          batteryLevel: 80,
          lastSyncTime: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      ];
    },
    extend(app, api) {
      const { core } = api;
      const authenticate = (c: Context, scope: string) => api.authenticate(c, scope);
      const error = (c: Context, code: number, status: string, reason: string, message: string) =>
        api.error(c, code, status, reason, message);
      /** `list`, or `reconcile` over a source family: the same filter, order and paging (§3.3, §3.4). */
      const serve = (c: Context, type: string, method: 'list' | 'reconcile') => {
        core.record(`${method}:${type}`);
        const fault = core.fault(c, 'api');
        if (fault) return fault;
        const rule = RULES[type];
        // Google's answer to reconcile on a type outside its union is not documented: refused as an unsupported action.
        if (!rule || (method === 'reconcile' && rule.listOnly))
          return error(
            c,
            400,
            'INVALID_ARGUMENT',
            'UNSUPPORTED_DATA_TYPE_ACTION',
            `Data type ${type} does not support ${method}.`
          );
        const auth = authenticate(c, `${SCOPE}${rule.scope}`);
        if (auth instanceof Response) return auth;
        const q = new URL(c.req.url).searchParams;
        const family = q.get('dataSourceFamily') ?? 'users/me/dataSourceFamilies/all-sources';
        if (method === 'reconcile' && !FAMILIES.includes(family))
          return error(
            c,
            400,
            'INVALID_ARGUMENT',
            'INVALID_DATA_POINT_DATA_SOURCE_FAMILY',
            'Invalid data source family.'
          );
        const m = /^(\w+)\.([\w.]+) >= "([^"]+)"(?: AND (\w+)\.([\w.]+) < "([^"]+)")?$/.exec(q.get('filter') ?? '');
        const bounded = m?.[4] !== undefined;
        if (
          !m ||
          m[1] !== rule.token ||
          m[2] !== rule.member ||
          bounded === (rule.lowerOnly ?? false) ||
          (bounded && (m[4] !== rule.token || m[5] !== rule.member))
        ) {
          return error(
            c,
            400,
            'INVALID_ARGUMENT',
            'INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER',
            `Invalid filter for ${type}.`
          );
        }
        const [from, to] = [m[3] ?? '', m[6]];
        const dateOnly = rule.member === 'date';
        const civil = rule.member.includes('civil');
        // Civil literals carry no zone: `YYYY-MM-DD[THH:mm:ss]` (§3.3).
        const literal = dateOnly
          ? /^\d{4}-\d{2}-\d{2}$/
          : civil
            ? /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$/
            : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
        if (!literal.test(from) || (to !== undefined && !literal.test(to))) {
          return error(
            c,
            400,
            'INVALID_ARGUMENT',
            'INVALID_DATA_POINT_FILTER_CIVIL_DATE_TIME_FORMAT',
            'Invalid time literal.'
          );
        }
        const norm = (s: string) =>
          dateOnly ? s : civil ? (s.length === 10 ? `${s}T00:00:00` : s) : new Date(s).toISOString();
        const selected = (
          data.generate?.(auth.grant.userId, type, from, to ?? core.clock().toISOString()) ??
          store.get(`${auth.grant.userId}|${type}`) ??
          []
        )
          .map((p) => ({ p, k: keyOf(rule, p) }))
          .filter(({ k }) => k >= norm(from) && (to === undefined || k < norm(to)))
          .sort((a, b) => (a.k < b.k ? 1 : a.k > b.k ? -1 : 0));
        const points =
          method === 'list'
            ? selected
            : reconciled(
                rule,
                selected.filter(({ p }) => inFamily(family, p))
              );
        // pageSize: default 1440, max 10,000; sleep (and exercise) default and max 25 [doc]. Above the
        // maximum the value is taken as the maximum (not documented). The server's own lower caps
        // (HR 5,000, steps under 1,000) were observed by other clients on `list` (google-health-api.md
        // §3.3); `reconcile` takes the same paging rules [doc], so the same caps are applied to it.
        const [defaultSize, maxSize] = rule.token === 'sleep' || rule.token === 'exercise' ? [25, 25] : [1440, 10_000];
        const asked = Math.min(Number(q.get('pageSize') ?? defaultSize) || defaultSize, maxSize);
        const cap = Math.min(asked, data.pageCap ?? rule.pageCap);
        const offset = Number(Buffer.from(q.get('pageToken') ?? '', 'base64url').toString() || '0');
        const page = points.slice(offset, offset + cap).map(({ p }) => p);
        const next = offset + cap < points.length ? Buffer.from(String(offset + cap)).toString('base64url') : '';
        return c.json({ dataPoints: page, ...(next && { nextPageToken: next }) });
      };
      app.get('/v4/users/me/dataTypes/:type/dataPoints', (c) => serve(c, c.req.param('type'), 'list'));
      app.get('/v4/users/me/dataTypes/:type/:method', (c) =>
        c.req.param('method') === 'dataPoints:reconcile'
          ? serve(c, c.req.param('type'), 'reconcile')
          : c.json({ error: 'not found' }, 404)
      );

      // `dailyRollUp` (§3.6, §9.2): POST with a `CivilTimeInterval` of whole days; the sources merged
      // as `reconcile` merges them, days without data left out. Newest day first, as `rollUp` was observed to answer (§3.5).
      app.post('/v4/users/me/dataTypes/:type/:method', async (c) => {
        const type = c.req.param('type');
        if (c.req.param('method') !== 'dataPoints:dailyRollUp') return c.json({ error: 'not found' }, 404);
        core.record(`dailyRollUp:${type}`);
        const fault = core.fault(c, 'api');
        if (fault) return fault;
        const listRule = RULES[type];
        const rollup = ROLLUPS[type];
        if (!listRule || !rollup)
          return error(
            c,
            400,
            'INVALID_ARGUMENT',
            'UNSUPPORTED_DATA_TYPE_ACTION',
            `Data type ${type} does not support dailyRollUp.`
          );
        const auth = authenticate(c, `${SCOPE}${listRule.scope}`);
        if (auth instanceof Response) return auth;
        const body = (await c.req.json().catch(() => null)) as DailyRollUpRequest | null;
        const problem = checkDailyRollUp(body);
        if (problem) return error(c, 400, 'INVALID_ARGUMENT', problem.reason, problem.message);
        const req = body as Required<DailyRollUpRequest>;
        const [from, to] = [dateOf(req.range.start), dateOf(req.range.end)];
        const family = req.dataSourceFamily ?? `users/me/dataSourceFamilies/all-sources`;
        const byDay = new Map<string, Point[]>();
        // Built from the family's reconciled points (§11.1), so overlapping sources count once.
        const stored = (store.get(`${auth.grant.userId}|${type}`) ?? [])
          .filter((p) => inFamily(family, p))
          .map((p) => ({ p, k: keyOf(listRule, p) }));
        for (const { p } of reconciled(listRule, stored)) {
          const i = (p[rollup.key] as { interval: { startTime: string; startUtcOffset?: string } }).interval;
          const local = new Date(Date.parse(i.startTime) + Number((i.startUtcOffset ?? '0s').replace(/s$/, '')) * 1000)
            .toISOString()
            .slice(0, 10);
          if (local < from || local >= to) continue;
          byDay.set(local, [...(byDay.get(local) ?? []), p]);
        }
        const civil = (iso: string) => {
          const [year, month, day] = iso.split('-').map(Number);
          return { date: { year, month, day }, time: {} };
        };
        const next = (iso: string) => new Date(Date.parse(`${iso}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        const rollupDataPoints = [...byDay.keys()]
          .sort()
          .reverse()
          .map((day) => ({
            civilStartTime: civil(day),
            civilEndTime: civil(next(day)),
            [rollup.key]: rollup.sum(byDay.get(day) ?? []),
          }));
        return c.json({ rollupDataPoints });
      });
    },
  };
  return data;
}
