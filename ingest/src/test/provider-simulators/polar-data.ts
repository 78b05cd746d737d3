import type { Context, Hono } from 'hono';
import type { PolarApiContext } from './polar.ts';

/**
 * Polar's transaction-less data routes for the simulator (wearable-apis.md §5.2, §5.6): the
 * 30-day exercise list, daily activity over at most 28 days and at most 365 days back (400
 * otherwise) with repeated step samples filtered out, continuous heart rate and sleep per date (404 when none). Every route goes through
 * `authenticate`: RateLimit headers, 429, 401, and 403 while consents are missing. The deprecated
 * transaction routes answer 410 so that nothing builds on them.
 */

type Row = Record<string, unknown>;
type UserData = { exercises: Row[]; activities: Row[]; continuousHr: Map<string, Row>; sleep: Map<string, Row> };

export type PolarData = {
  extend: (app: Hono, api: PolarApiContext) => void;
  user: (userId: string) => UserData;
  generate: ((userId: string) => UserData) | null;
};

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
  const data: PolarData = {
    generate: null,
    user(userId) {
      let u = users.get(userId);
      if (!u) users.set(userId, (u = { exercises: [], activities: [], continuousHr: new Map(), sleep: new Map() }));
      return u;
    },
    extend(app, api) {
      const { core } = api;
      const authenticate = (c: Context) => api.authenticate(c);
      const userOf = (id: string) => data.generate?.(id) ?? data.user(id);
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
      app.get('/v3/users/continuous-heart-rate/:date', (c) => {
        core.record('continuous-heart-rate');
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const day = userOf(auth.grant.userId).continuousHr.get(c.req.param('date'));
        return day ? c.json(day) : c.body(null, 404);
      });
      app.get('/v3/users/sleep/:date', (c) => {
        core.record('sleep');
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const night = userOf(auth.grant.userId).sleep.get(c.req.param('date'));
        return night ? c.json(night) : c.body(null, 404);
      });
      app.all('/v3/users/:id/:kind{[a-z-]+-transactions.*}', (c) => {
        core.record('transaction');
        return c.body(null, 410);
      });
    },
  };
  return data;
}
