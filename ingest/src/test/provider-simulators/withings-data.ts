import type { Context, Hono } from 'hono';
import { formOf } from './core.ts';
import type { WithingsApiContext } from './withings.ts';
import { withingsFail, withingsOk } from './withings-oauth.ts';

/**
 * Withings data services for the simulator (wearable-apis.md §4.4, §4.7), in the shapes of the
 * recorded fixtures: `/measure` getmeas (unix-second range, `more` 0/1), `/v2/sleep` getsummary
 * (local dates, `more` boolean) and get (detail, of which only the first 24 h of a range are
 * served), each paged with `offset` at a configurable page size. Every call counts against the
 * app-wide quota (status 601 beyond it).
 */

type Group = { date: number } & Record<string, unknown>;
type Night = { date: string; startdate: number; enddate: number } & Record<string, unknown>;
type Segment = { startdate: number; enddate: number } & Record<string, unknown>;
type UserData = { timezone: string; measuregrps: Group[]; nights: Night[]; segments: Segment[] };

export type WithingsData = {
  extend: (app: Hono, api: WithingsApiContext) => void;
  user: (userId: string) => UserData;
  pageSize: number;
  /** Data made on demand (benches), in place of stored data. */
  generate: ((userId: string) => UserData) | null;
};

export function withingsData(): WithingsData {
  const users = new Map<string, UserData>();
  const data: WithingsData = {
    pageSize: 100,
    generate: null,
    user(userId) {
      let u = users.get(userId);
      if (!u) users.set(userId, (u = { timezone: 'Europe/Paris', measuregrps: [], nights: [], segments: [] }));
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

      app.post('/measure', async (c) => {
        const form = await formOf(c);
        core.record(`measure:${form.get('action') ?? ''}`);
        const fault = core.fault(c, 'api');
        if (fault) return fault;
        const auth = authenticate(c);
        if (auth instanceof Response) return auth;
        if (form.get('action') !== 'getmeas') return withingsFail(c, 2554, 'Invalid Params: unknown action');
        const from = Number(form.get('startdate') ?? 0);
        const to = Number(form.get('enddate') ?? Number.MAX_SAFE_INTEGER);
        const u = userOf(auth.grant.userId);
        const rows = u.measuregrps.filter((g) => g.date >= from && g.date <= to).sort((a, b) => b.date - a.date);
        return page(c, rows, Number(form.get('offset') ?? 0), true, 'measuregrps', {
          updatetime: Math.floor(core.clock().getTime() / 1000),
          timezone: u.timezone,
        });
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
