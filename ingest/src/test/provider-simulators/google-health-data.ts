import type { Context, Hono } from 'hono';
import type { GoogleApiContext } from './google-health.ts';

/**
 * The Google Health API `list` data endpoint for the simulator (google-health-api.md §3.3, §7.3):
 * AIP-160 filters checked per type (member, literal format), points newest first, per-type page
 * caps below any larger `pageSize`, `nextPageToken` paging, and a per-request range limit (HR-heavy
 * types 14 days, others 90; not documented by Google, chosen as clients chunk) answered with 400.
 * Points are stored as the API serves them; tests put exact points, benches a generator.
 */

const SCOPE = 'https://www.googleapis.com/auth/googlehealth.';

/** `pageCap`: the most points the server puts on a page whatever `pageSize` asks (observed for HR and steps). */
type TypeRule = { token: string; key: string; member: string; maxDays: number; pageCap: number; scope: string };

const RULES: Record<string, TypeRule> = {
  steps: {
    token: 'steps',
    key: 'steps',
    member: 'interval.start_time',
    maxDays: 90,
    pageCap: 1000,
    scope: 'activity_and_fitness.readonly',
  },
  'heart-rate': {
    token: 'heart_rate',
    key: 'heartRate',
    member: 'sample_time.physical_time',
    maxDays: 14,
    pageCap: 5000,
    scope: 'health_metrics_and_measurements.readonly',
  },
  'daily-resting-heart-rate': {
    token: 'daily_resting_heart_rate',
    key: 'dailyRestingHeartRate',
    member: 'date',
    maxDays: 400,
    pageCap: 10_000,
    scope: 'health_metrics_and_measurements.readonly',
  },
  sleep: {
    token: 'sleep',
    key: 'sleep',
    member: 'interval.end_time',
    maxDays: 90,
    pageCap: 25,
    scope: 'sleep.readonly',
  },
  weight: {
    token: 'weight',
    key: 'weight',
    member: 'sample_time.physical_time',
    maxDays: 90,
    pageCap: 10_000,
    scope: 'health_metrics_and_measurements.readonly',
  },
  'oxygen-saturation': {
    token: 'oxygen_saturation',
    key: 'oxygenSaturation',
    member: 'sample_time.physical_time',
    maxDays: 90,
    pageCap: 10_000,
    scope: 'health_metrics_and_measurements.readonly',
  },
  'heart-rate-variability': {
    token: 'heart_rate_variability',
    key: 'heartRateVariability',
    member: 'sample_time.physical_time',
    maxDays: 90,
    pageCap: 10_000,
    scope: 'health_metrics_and_measurements.readonly',
  },
};

type Point = Record<string, unknown>;

/** The instant (or date) a point is filtered and ordered on. */
function keyOf(rule: TypeRule, point: Point): string {
  const v = point[rule.key] as Record<string, unknown>;
  if (rule.member === 'date') {
    const d = v.date as { year: number; month: number; day: number };
    return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  }
  if (rule.member.startsWith('interval.')) {
    const i = v.interval as Record<string, string>;
    return new Date((rule.member === 'interval.end_time' ? i.endTime : i.startTime) ?? 0).toISOString();
  }
  return new Date((v.sampleTime as { physicalTime: string }).physicalTime).toISOString();
}

export type GoogleHealthData = {
  extend: (app: Hono, api: GoogleApiContext) => void;
  /** Adds points (as the API serves them) of a type (URL id, e.g. `heart-rate`) for a user. */
  put: (healthUserId: string, type: string, points: readonly Point[]) => void;
  /** Overrides page caps (e.g. 2, to cross page boundaries in a test). */
  pageCap: number | null;
  /** Points made on demand for a window (benches), in place of stored ones. */
  generate: ((healthUserId: string, type: string, from: string, to: string) => Point[]) | null;
};

export function googleHealthData(): GoogleHealthData {
  const store = new Map<string, Point[]>();
  const data: GoogleHealthData = {
    pageCap: null,
    generate: null,
    put(user, type, points) {
      const key = `${user}|${type}`;
      store.set(key, [...(store.get(key) ?? []), ...points]);
    },
    extend(app, api) {
      const { core } = api;
      const authenticate = (c: Context, scope: string) => api.authenticate(c, scope);
      const error = (c: Context, code: number, status: string, reason: string, message: string) =>
        api.error(c, code, status, reason, message);
      app.get('/v4/users/me/dataTypes/:type/dataPoints', (c) => {
        const type = c.req.param('type');
        core.record(`list:${type}`);
        const fault = core.fault(c, 'api');
        if (fault) return fault;
        const rule = RULES[type];
        if (!rule)
          return error(
            c,
            400,
            'INVALID_ARGUMENT',
            'UNSUPPORTED_DATA_TYPE_ACTION',
            `Data type ${type} does not support list.`
          );
        const auth = authenticate(c, `${SCOPE}${rule.scope}`);
        if (auth instanceof Response) return auth;
        const q = new URL(c.req.url).searchParams;
        const m = /^(\w+)\.([\w.]+) >= "([^"]+)" AND (\w+)\.([\w.]+) < "([^"]+)"$/.exec(q.get('filter') ?? '');
        if (!m || m[1] !== rule.token || m[4] !== rule.token || m[2] !== rule.member || m[5] !== rule.member) {
          return error(
            c,
            400,
            'INVALID_ARGUMENT',
            'INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER',
            `Invalid filter for ${type}.`
          );
        }
        const [from, to] = [m[3] ?? '', m[6] ?? ''];
        const dateOnly = rule.member === 'date';
        const literal = dateOnly ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
        if (!literal.test(from) || !literal.test(to)) {
          return error(
            c,
            400,
            'INVALID_ARGUMENT',
            'INVALID_DATA_POINT_FILTER_CIVIL_DATE_TIME_FORMAT',
            'Invalid time literal.'
          );
        }
        const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
        if (days > rule.maxDays) {
          return c.json(
            {
              error: {
                code: 400,
                message: `The filter range exceeds ${rule.maxDays} days.`,
                status: 'INVALID_ARGUMENT',
                details: [
                  {
                    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                    reason: 'INVALID_DATA_POINT_FILTER_RANGE',
                    metadata: { maxDurationDays: String(rule.maxDays) },
                  },
                ],
              },
            },
            400
          );
        }
        const norm = (s: string) => (dateOnly ? s : new Date(s).toISOString());
        const points = (
          data.generate?.(auth.grant.userId, type, from, to) ??
          store.get(`${auth.grant.userId}|${type}`) ??
          []
        )
          .map((p) => ({ p, k: keyOf(rule, p) }))
          .filter(({ k }) => k >= norm(from) && k < norm(to))
          .sort((a, b) => (a.k < b.k ? 1 : a.k > b.k ? -1 : 0));
        // pageSize: default 1440, max 10,000; sleep (and exercise) default and max 25 [doc]. Above the
        // maximum the value is taken as the maximum (not documented). The server's own lower caps
        // (HR 5,000, steps under 1,000) were observed by other clients (google-health-api.md §3.3).
        const [defaultSize, maxSize] = rule.token === 'sleep' ? [25, 25] : [1440, 10_000];
        const asked = Math.min(Number(q.get('pageSize') ?? defaultSize) || defaultSize, maxSize);
        const cap = Math.min(asked, data.pageCap ?? rule.pageCap);
        const offset = Number(Buffer.from(q.get('pageToken') ?? '', 'base64url').toString() || '0');
        const page = points.slice(offset, offset + cap).map(({ p }) => p);
        const next = offset + cap < points.length ? Buffer.from(String(offset + cap)).toString('base64url') : '';
        return c.json({ dataPoints: page, ...(next && { nextPageToken: next }) });
      });
    },
  };
  return data;
}
