import type { Context, Hono } from 'hono';
import { formOf } from './core.ts';
import type { WithingsApiContext } from './withings.ts';
import { withingsFail, withingsOk } from './withings-oauth.ts';

/**
 * Withings data services for the simulator (wearable-apis.md §4.4, §4.7), in the shapes of the
 * recorded fixtures: `/measure` getmeas (unix-second range or `lastupdate`, `more` 0/1, only the
 * `meastypes` asked for), `/v2/sleep` getsummary (local dates or `lastupdate`, `more` boolean) and
 * get (detail, of which only the first 24 h of a range are served), `/v2/measure` getactivity and
 * getworkouts (local dates or `lastupdate`, as the OpenAPI document gives them) and getintradayactivity (first 24 h, a series keyed by epoch second),
 * `/v2/heart` list and get; fields named by `data_fields` are the only ones served where the
 * document says so. Each is paged with `offset` at a configurable page size. Every call counts
 * against the app-wide quota (status 601 beyond it). A device may record offline and upload later
 * (`recordOffline`, `syncDevice`).
 */

type Group = { date: number } & Record<string, unknown>;
type Night = { date: string; startdate: number; enddate: number } & Record<string, unknown>;
type Segment = { startdate: number; enddate: number } & Record<string, unknown>;
type Activity = { date: string } & Record<string, unknown>;
type Workout = { date: string; data?: Record<string, unknown> } & Record<string, unknown>;
type Recording = { timestamp: number } & Record<string, unknown>;
type UserData = {
  timezone: string;
  measuregrps: Group[];
  nights: Night[];
  segments: Segment[];
  // Absent in generated data (demo, benches) that has none.
  activities?: Activity[];
  workouts?: Workout[];
  /** Intraday samples by epoch second: `deviceid`, `model`, `model_id` and data fields. */
  intraday?: Record<string, Record<string, unknown>>;
  /** Heart list items. */
  heart?: Recording[];
  /** Heart get answers by signal id. */
  signals?: Record<string, Record<string, unknown>>;
};

type Unsynced = {
  measuregrps?: Group[];
  nights?: Night[];
  segments?: Segment[];
  activities?: Activity[];
  workouts?: Workout[];
};

export type WithingsData = {
  extend: (app: Hono, api: WithingsApiContext) => void;
  user: (userId: string) => UserData;
  pageSize: number;
  /** Data made on demand (benches), in place of stored data. */
  generate: ((userId: string) => UserData) | null;
  /** What the user's device measured but has not uploaded: served only after `syncDevice`. */
  recordOffline: (userId: string, rows: Unsynced) => void;
  /**
   * The device uploads at `at`: what it kept is stored then (its `created` and `modified`), and
   * the device's `last_session_date` is `at`.
   */
  syncDevice: (userId: string, at: Date) => void;
  /** For the simulator's `devices` option: the device, for users that synced through `syncDevice`. */
  devices: (userId: string) => readonly unknown[] | undefined;
};

/** When a row was created or last modified at Withings: `modified`, else `created`, else its own time. */
const modifiedOf = (row: Record<string, unknown>, own: number) =>
  typeof row.modified === 'number' ? row.modified : typeof row.created === 'number' ? row.created : own;

const measuresOf = (g: Group) => (g.measures ?? []) as { type: number }[];

/** Getactivity's fields that come whatever `data_fields` asks for (its document marks the others "use data_fields"). */
const ACTIVITY_IDS = [
  'date',
  'timezone',
  'deviceid',
  'hash_deviceid',
  'brand',
  'is_tracker',
  'modified',
  'model',
  'modelid',
  'totalcalories',
];

/** The `keep` fields and those `data_fields` names (all of them when it is not given). */
function pick(o: Record<string, unknown>, keep: readonly string[], fields: readonly string[] | undefined) {
  return fields ? Object.fromEntries(Object.entries(o).filter(([k]) => keep.includes(k) || fields.includes(k))) : o;
}

export function withingsData(): WithingsData {
  const users = new Map<string, UserData>();
  const unsynced = new Map<string, Unsynced[]>();
  const lastSync = new Map<string, Date>();
  const data: WithingsData = {
    pageSize: 100,
    generate: null,
    recordOffline(userId, rows) {
      unsynced.set(userId, [...(unsynced.get(userId) ?? []), rows]);
    },
    syncDevice(userId, at) {
      const u = data.user(userId);
      const stamp = { created: Math.floor(at.getTime() / 1000), modified: Math.floor(at.getTime() / 1000) };
      for (const rows of unsynced.get(userId) ?? []) {
        u.measuregrps.push(...(rows.measuregrps ?? []).map((g) => ({ ...g, ...stamp })));
        u.nights.push(...(rows.nights ?? []).map((n) => ({ ...n, ...stamp })));
        u.segments.push(...(rows.segments ?? []));
        // A day's totals are one row per date: an upload replaces the day's earlier totals.
        for (const a of rows.activities ?? []) {
          u.activities = [
            ...(u.activities ?? []).filter((old) => old.date !== a.date),
            { ...a, modified: stamp.modified },
          ];
        }
        u.workouts = [...(u.workouts ?? []), ...(rows.workouts ?? []).map((w) => ({ ...w, modified: stamp.modified }))];
      }
      unsynced.delete(userId);
      lastSync.set(userId, at);
    },
    devices(userId) {
      const at = lastSync.get(userId);
      if (!at) return undefined;
      return [
        {
          type: 'Sleep Monitor',
          model: 'Sleep Analyzer',
          model_id: 63,
          battery: 'high',
          deviceid: `sleep-${userId}`,
          hash_deviceid: `sleep-${userId}`,
          timezone: 'Europe/Paris',
          first_session_date: 1_763_000_000,
          last_session_date: Math.floor(at.getTime() / 1000),
        },
      ];
    },
    user(userId) {
      let u = users.get(userId);
      if (!u) {
        u = {
          timezone: 'Europe/Paris',
          measuregrps: [],
          nights: [],
          segments: [],
          activities: [],
          workouts: [],
          intraday: {},
          heart: [],
          signals: {},
        };
        users.set(userId, u);
      }
      return u;
    },
    extend(app, api) {
      const { core } = api;
      const authenticate = (c: Context) => api.authenticate(c);
      const page = <T>(c: Context, rows: T[], offset: number, moreAsNumber: boolean, key: string, extra: object) => {
        const slice = rows.slice(offset, offset + data.pageSize);
        const more = offset + data.pageSize < rows.length;
        return withingsOk(c, {
          ...extra,
          [key]: slice,
          more: moreAsNumber ? Number(more) : more,
          offset: more ? offset + data.pageSize : 0,
        });
      };
      const userOf = (id: string) => data.generate?.(id) ?? data.user(id);
      /**
       * `lastupdate` ("data created or updated after this unix time") or a date range: the spec
       * marks both required and says to use one instead of the other (§4.4.1), so both is refused.
       */
      const changedSince = (form: URLSearchParams, suffix: '' | 'ymd' = ''): number | null | 'both' => {
        const last = form.get('lastupdate');
        if (last === null) return null;
        return form.has(`startdate${suffix}`) || form.has(`enddate${suffix}`) ? 'both' : Number(last);
      };

      app.post('/measure', async (c) => {
        const form = await formOf(c);
        core.record(`measure:${form.get('action') ?? ''}`);
        const fault = core.fault(c, 'api');
        if (fault) return fault;
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        if (form.get('action') !== 'getmeas') return withingsFail(c, 2554, 'Invalid Params: unknown action');
        const since = changedSince(form);
        if (since === 'both') return withingsFail(c, 503, 'Invalid Params: lastupdate with startdate or enddate');
        const from = Number(form.get('startdate') ?? 0);
        const to = Number(form.get('enddate') ?? Number.MAX_SAFE_INTEGER);
        const u = userOf(auth.grant.userId);
        // Only the measure types asked for are served, and a group with none of them not at all.
        const types = form.get('meastypes')?.split(',').map(Number);
        const rows = u.measuregrps
          .filter((g) => (since === null ? g.date >= from && g.date <= to : modifiedOf(g, g.date) > since))
          .map((g) => (types ? { ...g, measures: measuresOf(g).filter((m) => types.includes(m.type)) } : g))
          .filter((g) => measuresOf(g).length > 0)
          .sort((a, b) => b.date - a.date);
        return page(c, rows, Number(form.get('offset') ?? 0), true, 'measuregrps', {
          updatetime: Math.floor(core.clock().getTime() / 1000),
          timezone: u.timezone,
        });
      });

      app.post('/v2/measure', async (c) => {
        const form = await formOf(c);
        const action = form.get('action') ?? '';
        core.record(`measure:${action}`);
        const fault = core.fault(c, 'api');
        if (fault) return fault;
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const u = userOf(auth.grant.userId);
        const fields = form.get('data_fields')?.split(',');
        const offset = Number(form.get('offset') ?? 0);
        if (action === 'getactivity' || action === 'getworkouts') {
          // Both take `lastupdate` ("data that were updated or created after this date") instead of the dates.
          const since = changedSince(form, 'ymd');
          if (since === 'both')
            return withingsFail(c, 503, 'Invalid Params: lastupdate with startdateymd or enddateymd');
          const from = form.get('startdateymd');
          const to = form.get('enddateymd');
          if (since === null && (!from || !to))
            return withingsFail(c, 503, 'Invalid Params: startdateymd and enddateymd are required');
          const inRange = (row: { date: string }, own: number) =>
            since === null ? row.date >= (from ?? '') && row.date <= (to ?? '') : modifiedOf(row, own) > since;
          if (action === 'getactivity') {
            const rows = (u.activities ?? [])
              .filter((a) => inRange(a, Date.parse(`${a.date}T23:59:59Z`) / 1000))
              .map((a) => pick(a, ACTIVITY_IDS, fields));
            return page(c, rows, offset, false, 'activities', {});
          }
          const rows = (u.workouts ?? [])
            .filter((w) => inRange(w, typeof w.enddate === 'number' ? w.enddate : 0))
            .map((w) => ({ ...w, data: pick(w.data ?? {}, [], fields) }));
          return page(c, rows, offset, false, 'series', {});
        }
        if (action === 'getintradayactivity') {
          const from = Number(form.get('startdate'));
          const to = Math.min(Number(form.get('enddate')), from + 86_400);
          if (!Number.isFinite(from) || !Number.isFinite(to)) return withingsFail(c, 503, 'Invalid Params: startdate');
          const series = Object.fromEntries(
            Object.entries(u.intraday ?? {})
              .filter(([t]) => Number(t) >= from && Number(t) < to)
              .map(([t, sample]) => [t, pick(sample, ['deviceid', 'model', 'model_id'], fields)])
          );
          return withingsOk(c, { series });
        }
        return withingsFail(c, 2554, 'Invalid Params: unknown action');
      });

      app.post('/v2/heart', async (c) => {
        const form = await formOf(c);
        const action = form.get('action') ?? '';
        core.record(`heart:${action}`);
        const fault = core.fault(c, 'api');
        if (fault) return fault;
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const u = userOf(auth.grant.userId);
        if (action === 'list') {
          const from = Number(form.get('startdate') ?? 0);
          const to = Number(form.get('enddate') ?? Number.MAX_SAFE_INTEGER);
          const rows = (u.heart ?? []).filter((r) => r.timestamp >= from && r.timestamp <= to);
          return page(c, rows, Number(form.get('offset') ?? 0), false, 'series', {});
        }
        if (action === 'get') {
          const signal = u.signals?.[form.get('signalid') ?? ''];
          return signal ? withingsOk(c, signal) : withingsFail(c, 503, 'Invalid Params: signalid');
        }
        return withingsFail(c, 2554, 'Invalid Params: unknown action');
      });

      app.post('/v2/sleep', async (c) => {
        const form = await formOf(c);
        const action = form.get('action') ?? '';
        core.record(`sleep:${action}`);
        const fault = core.fault(c, 'api');
        if (fault) return fault;
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        const u = userOf(auth.grant.userId);
        const offset = Number(form.get('offset') ?? 0);
        if (action === 'getsummary') {
          const since = changedSince(form, 'ymd');
          if (since === 'both')
            return withingsFail(c, 503, 'Invalid Params: lastupdate with startdateymd or enddateymd');
          if (since !== null) {
            return page(
              c,
              u.nights.filter((n) => modifiedOf(n, n.enddate) > since),
              offset,
              false,
              'series',
              {}
            );
          }
          const from = form.get('startdateymd');
          const to = form.get('enddateymd');
          if (!from || !to) return withingsFail(c, 503, 'Invalid Params: startdateymd and enddateymd are required');
          const rows = u.nights.filter((n) => n.date >= from && n.date <= to);
          return page(c, rows, offset, false, 'series', {});
        }
        if (action === 'get') {
          const from = Number(form.get('startdate'));
          const to = Math.min(Number(form.get('enddate')), from + 86_400);
          if (!Number.isFinite(from) || !Number.isFinite(to)) return withingsFail(c, 503, 'Invalid Params: startdate');
          const rows = u.segments.filter((s) => s.startdate >= from && s.startdate < to);
          return page(c, rows, offset, false, 'series', {});
        }
        return withingsFail(c, 2554, 'Invalid Params: unknown action');
      });
    },
  };
  return data;
}
