import type { Context, Hono } from 'hono';

/**
 * Polar's Nightly Recharge, cardio load, SleepWise, Elixir biosensing and physical info routes for
 * the simulator, as the AccessLink document describes them: the 28-day recharge list and one date
 * (404 when none); cardio load over a range with an object for every date, `LOAD_STATUS_NOT_AVAILABLE`
 * where there is nothing; SleepWise over at most 28 days (204 when nothing, 400 past 28);
 * biosensing over the last 28 days or a range of at most 28 (204 when nothing); the current
 * physical info. Not stated by the document, and not observed: which time of an item the dates
 * select (taken as its UTC start, test time or sleep date), what a not-available cardio-load day
 * holds besides its date and status (nothing here), and what physical info answers for a user who
 * has none (404, its only non-success answer besides auth; a Flow account is made with a profile).
 */

type Row = Record<string, unknown>;

export type RecoveryData = {
  recharges: Map<string, Row>;
  cardioLoads: Map<string, Row>;
  alertness: Row[];
  circadianBedtimes: Row[];
  bodyTemperatures: Row[];
  skinTemperatures: Row[];
  ecgTests: Row[];
  spo2Tests: Row[];
  physicalInfo: Row | null;
};

/** What a device keeps until it uploads (`PolarData.recordOffline`). */
export type UnsyncedRecovery = Partial<Omit<RecoveryData, 'recharges' | 'cardioLoads'>> & {
  recharges?: Row[];
  cardioLoads?: Row[];
};

export const emptyRecovery = (): RecoveryData => ({
  recharges: new Map(),
  cardioLoads: new Map(),
  alertness: [],
  circadianBedtimes: [],
  bodyTemperatures: [],
  skinTemperatures: [],
  ecgTests: [],
  spo2Tests: [],
  physicalInfo: null,
});

export function syncRecovery(u: RecoveryData, rows: UnsyncedRecovery) {
  for (const r of rows.recharges ?? []) u.recharges.set(String(r.date), r);
  for (const r of rows.cardioLoads ?? []) u.cardioLoads.set(String(r.date), r);
  u.alertness.push(...(rows.alertness ?? []));
  u.circadianBedtimes.push(...(rows.circadianBedtimes ?? []));
  u.bodyTemperatures.push(...(rows.bodyTemperatures ?? []));
  u.skinTemperatures.push(...(rows.skinTemperatures ?? []));
  u.ecgTests.push(...(rows.ecgTests ?? []));
  u.spo2Tests.push(...(rows.spo2Tests ?? []));
  if (rows.physicalInfo) u.physicalInfo = rows.physicalInfo;
}

const DAY = 86_400_000;
const isDate = (s: string | undefined): s is string => s !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(s);
const dateOf = (v: unknown) => (typeof v === 'number' ? new Date(v * 1000).toISOString() : String(v)).slice(0, 10);

type Auth = (c: Context) => { grant: { userId: string } } | Response;
type Setup = { record(route: string): void; clock(): Date; auth: Auth; userOf(id: string): RecoveryData };

export function mountRecoveryRoutes(app: Hono, s: Setup) {
  const today = () => s.clock().toISOString().slice(0, 10);
  const daysAgo = (n: number) => new Date(s.clock().getTime() - n * DAY).toISOString().slice(0, 10);
  /** The dates asked for: both bounds, inclusive, at most `maxDays` apart; both absent where `optional` (the last 28 days). */
  const datesOf = (c: Context, maxDays: number | null, optional: boolean): [string, string] | null => {
    const from = c.req.query('from');
    const to = c.req.query('to');
    if (optional && from === undefined && to === undefined) return [daysAgo(27), today()];
    if (!isDate(from) || !isDate(to) || to < from) return null;
    if (maxDays !== null && (Date.parse(to) - Date.parse(from)) / DAY > maxDays) return null;
    return [from, to];
  };
  const within = (rows: Row[], [from, to]: [string, string], key: string) =>
    rows.filter((r) => dateOf(r[key]) >= from && dateOf(r[key]) <= to);
  /** A list route of at most 28 days: 204 when it holds nothing. */
  const list = (path: string, route: string, pick: (u: RecoveryData) => Row[], key: string, optional: boolean) =>
    app.get(path, (c) => {
      s.record(route);
      const auth = s.auth(c);
      if (auth instanceof Response) return auth;
      const dates = datesOf(c, 28, optional);
      if (!dates) return c.body(null, 400);
      const rows = within(pick(s.userOf(auth.grant.userId)), dates, key);
      return rows.length === 0 ? c.body(null, 204) : c.json(rows);
    });

  app.get('/v3/users/nightly-recharge', (c) => {
    s.record('nightly-recharge-list');
    const auth = s.auth(c);
    if (auth instanceof Response) return auth;
    const since = daysAgo(27);
    const recharges = [...s.userOf(auth.grant.userId).recharges.values()]
      .filter((r) => String(r.date) >= since)
      .sort((a, b) => String(a.date).localeCompare(String(b.date)));
    return c.json({ recharges });
  });
  app.get('/v3/users/nightly-recharge/:date', (c) => {
    s.record('nightly-recharge');
    const auth = s.auth(c);
    if (auth instanceof Response) return auth;
    if (!isDate(c.req.param('date'))) return c.body(null, 400);
    const r = s.userOf(auth.grant.userId).recharges.get(c.req.param('date'));
    return r ? c.json(r) : c.body(null, 404);
  });
  app.get('/v3/users/cardio-load/date', (c) => {
    s.record('cardio-load-range');
    const auth = s.auth(c);
    if (auth instanceof Response) return auth;
    const dates = datesOf(c, null, false);
    if (!dates) return c.body(null, 400);
    const loads = s.userOf(auth.grant.userId).cardioLoads;
    const out: Row[] = [];
    for (let d = Date.parse(dates[0]); d <= Date.parse(dates[1]); d += DAY) {
      const date = new Date(d).toISOString().slice(0, 10);
      out.push(loads.get(date) ?? { date, cardio_load_status: 'LOAD_STATUS_NOT_AVAILABLE' });
    }
    return c.json(out);
  });
  list('/v3/users/sleepwise/alertness/date', 'alertness', (u) => u.alertness, 'period_start_time', false);
  list(
    '/v3/users/sleepwise/circadian-bedtime/date',
    'circadian-bedtime',
    (u) => u.circadianBedtimes,
    'period_start_time',
    false
  );
  list('/v3/users/biosensing/bodytemperature', 'body-temperature', (u) => u.bodyTemperatures, 'start_time', true);
  list('/v3/users/biosensing/skintemperature', 'skin-temperature', (u) => u.skinTemperatures, 'sleep_date', true);
  list('/v3/users/biosensing/ecg', 'ecg', (u) => u.ecgTests, 'test_time', true);
  list('/v3/users/biosensing/spo2', 'spo2', (u) => u.spo2Tests, 'test_time', true);
  app.get('/v3/users/physical-info', (c) => {
    s.record('physical-info');
    const auth = s.auth(c);
    if (auth instanceof Response) return auth;
    const info = s.userOf(auth.grant.userId).physicalInfo;
    return info ? c.json(info) : c.body(null, 404);
  });
}
