import type { Knex } from 'knex';
import { DAILY_ACTIVITY_COLUMNS, DAILY_VITALS_COLUMNS } from '../wearables/rows.ts';
import { ranksOf } from './resolve.ts';
import type { Measurement } from './schemas.ts';

/**
 * The preferred rows of the per-day tables and the session tables, one mechanism for each kind
 * (steps and heart rate, resolved on time, are in `resolve.ts`). The raw rows of every source stay:
 * this is how they are read.
 *
 * - **Per day**: per participant and local day, each ranked measurement's columns come from the
 *   best-ranked (source, device, connection) whose row has a value in them; the other rows of the
 *   day lose those columns, and a row left with no value at all is dropped. Columns no measurement
 *   ranks (only one vendor fills them) stay in their row.
 * - **Sessions**: a session is dropped where it overlaps a session of a better-ranked (source,
 *   device, connection), whether or not that one is kept itself; sessions of one device (through
 *   one connection) never drop each other. Overlap is decided session by session, never chained, so a row's fate depends only
 *   on the sessions it overlaps and an hour exports the same whatever window is asked.
 *
 * Ties of rank (two devices matched by one "any device" entry, a session seen through two
 * connections) are broken by source, device and connection, so no two ever both count.
 */

type Row = Record<string, unknown>;

/** One ranked measurement of a per-day table: the columns it owns. */
type DailyGroup = { readonly measurement: Measurement; readonly columns: readonly string[] };
type DailyTable = {
  readonly table: string;
  readonly groups: readonly DailyGroup[];
  /** Every value column of the table: a row with none of them left is dropped. */
  readonly values: readonly string[];
};

export const DAILY_TABLES = {
  daily_activity: {
    table: 'daily_activity',
    groups: [{ measurement: 'daily_activity', columns: ['steps', 'active_duration_s', 'calories_kcal', 'distance_m'] }],
    values: DAILY_ACTIVITY_COLUMNS,
  },
  resting_heart_rate: {
    table: 'resting_heart_rate',
    groups: [{ measurement: 'resting_heart_rate', columns: ['bpm'] }],
    values: ['bpm'],
  },
  daily_vitals: {
    table: 'daily_vitals',
    groups: [
      { measurement: 'daily_breathing_rate', columns: ['breaths_per_min'] },
      {
        measurement: 'daily_hrv',
        columns: ['hrv_rmssd_ms', 'hrv_deep_sleep_rmssd_ms', 'hrv_entropy', 'non_rem_hr_bpm'],
      },
      {
        measurement: 'daily_skin_temperature',
        columns: ['skin_temperature_c', 'skin_temperature_baseline_c', 'skin_temperature_sd_30d_c'],
      },
    ],
    values: DAILY_VITALS_COLUMNS.filter((c) => c !== 'entry'),
  },
} as const satisfies Record<string, DailyTable>;
export type DailyTableName = keyof typeof DAILY_TABLES;

type SessionTable = {
  readonly table: string;
  readonly measurement: Measurement;
  /** The session's own id, the last key of the order. */
  readonly id: string;
  /** The session's end in ms since the epoch, from its row. */
  readonly endOf: (r: Row) => number;
};

export const SESSION_TABLES = {
  sleep_sessions: {
    table: 'sleep_sessions',
    measurement: 'sleep',
    id: 'session_id',
    endOf: (r) => (r.end_at as Date).getTime(),
  },
  exercises: {
    table: 'exercises',
    measurement: 'workouts',
    id: 'exercise_id',
    endOf: (r) => (r.t as Date).getTime() + Number(r.duration_s) * 1000,
  },
} as const satisfies Record<string, SessionTable>;
export type SessionTableName = keyof typeof SESSION_TABLES;

/** No session lasts longer (a night, a day-long hike), so a window looks this far around it for overlapping ones. */
const LONGEST_SESSION_MS = 24 * 3_600_000;

const rankOf = (m: Measurement) => `rnk_${m}`;

/** The table's rows with each measurement's rank joined by (source, device, connection). */
function rankedRows(db: Knex, table: string, measurements: readonly Measurement[], participantId: number) {
  const pairs = db(table).distinct('source', 'device', 'connection_id').where('participant_id', participantId);
  const q = db(`${table} as x`).select('x.*').where('x.participant_id', participantId);
  measurements.forEach((m, i) => {
    const alias = `r${i}`;
    void q
      .join(ranksOf(db, m, participantId, pairs.clone(), ['connection_id']).as(alias), function () {
        this.on(`${alias}.source`, '=', 'x.source')
          .andOn(db.raw(`${alias}.device <=> x.device`))
          .andOn(`${alias}.connection_id`, '=', 'x.connection_id');
      })
      .select(db.raw('?? AS ??', [`${alias}.rnk`, rankOf(m)]));
  });
  return q;
}

/** Best first: rank, then source, device and connection. */
const byRank = (rank: string) => (a: Row, b: Row) =>
  Number(a[rank]) - Number(b[rank]) ||
  (a.source as string).localeCompare(b.source as string) ||
  ((a.device as string | null) ?? '').localeCompare((b.device as string | null) ?? '') ||
  Number(a.connection_id) - Number(b.connection_id);

/** Candidates of a per-day table whose local date lies in [from, to), by date: the day as `t`. */
export function dailyCandidatesQuery(name: DailyTableName) {
  const spec: DailyTable = DAILY_TABLES[name];
  return (db: Knex, participantId: number, from: Date | undefined, to: Date | undefined): Knex.QueryBuilder => {
    const q = rankedRows(
      db,
      spec.table,
      spec.groups.map((g) => g.measurement),
      participantId
    )
      .select('x.local_date as t')
      .orderBy(['x.local_date', 'x.source', 'x.connection_id']);
    if (from) void q.where('x.local_date', '>=', from);
    if (to) void q.where('x.local_date', '<', to);
    return q;
  };
}

function resolveDay(spec: DailyTable, rows: Row[]): Row[] {
  const out = rows.map((r) => ({ ...r }));
  for (const g of spec.groups) {
    const has = (r: Row) => g.columns.some((c) => r[c] !== null && r[c] !== undefined);
    const best = out.filter(has).sort(byRank(rankOf(g.measurement)))[0];
    for (const r of out) if (r !== best) for (const c of g.columns) r[c] = null;
  }
  return out.filter((r) => spec.values.some((c) => r[c] !== null && r[c] !== undefined));
}

const dayOf = (t: unknown) => (t instanceof Date ? t.getTime() : String(t));

/** The preferred rows of a per-day table from its candidates by date, streamed a day at a time. */
export function resolveDaily(name: DailyTableName) {
  const spec: DailyTable = DAILY_TABLES[name];
  return async function* (rows: AsyncIterable<Row> | Iterable<Row>): AsyncGenerator<Row> {
    let day: Row[] = [];
    for await (const r of rows) {
      if (day.length > 0 && dayOf(day[0]!.t) !== dayOf(r.t)) {
        yield* resolveDay(spec, day);
        day = [];
      }
      day.push(r);
    }
    yield* resolveDay(spec, day);
  };
}

/**
 * Candidates of a session table starting within a day of [from, to) (the sessions that may overlap
 * one starting inside it), by start: the start as `t`.
 */
export function sessionCandidatesQuery(name: SessionTableName) {
  const spec: SessionTable = SESSION_TABLES[name];
  return (db: Knex, participantId: number, from: Date | undefined, to: Date | undefined): Knex.QueryBuilder => {
    const q = rankedRows(db, spec.table, [spec.measurement], participantId)
      .select('x.start_at as t')
      .orderBy(['x.start_at', 'x.source', 'x.connection_id', `x.${spec.id}`]);
    if (from) void q.where('x.start_at', '>=', new Date(from.getTime() - LONGEST_SESSION_MS));
    if (to) void q.where('x.start_at', '<', new Date(to.getTime() + LONGEST_SESSION_MS));
    return q;
  };
}

/**
 * The preferred sessions from candidates by start, streamed: sessions are gathered while they
 * overlap, and each group is decided once a session starts after all of it has ended. Sessions
 * starting outside [from, to) only decide the others.
 */
export function resolveSessions(name: SessionTableName) {
  const spec: SessionTable = SESSION_TABLES[name];
  const better = byRank(rankOf(spec.measurement));
  return async function* (rows: AsyncIterable<Row> | Iterable<Row>, from?: Date, to?: Date): AsyncGenerator<Row> {
    const inWindow = (r: Row) => (!from || (r.t as Date) >= from) && (!to || (r.t as Date) < to);
    const startOf = (r: Row) => (r.t as Date).getTime();
    const overlap = (a: Row, b: Row) => startOf(a) < spec.endOf(b) && startOf(b) < spec.endOf(a);
    function* decide(group: Row[]) {
      for (const r of group) {
        if (inWindow(r) && !group.some((o) => better(o, r) < 0 && overlap(o, r))) yield r;
      }
    }
    let group: Row[] = [];
    let groupEnd = -Infinity;
    for await (const r of rows) {
      if (group.length > 0 && startOf(r) >= groupEnd) {
        yield* decide(group);
        group = [];
        groupEnd = -Infinity;
      }
      group.push(r);
      groupEnd = Math.max(groupEnd, spec.endOf(r));
    }
    yield* decide(group);
  };
}

/** Every preferred row of a per-day table in [from, to) (tests, benches). */
export async function preferredDaily(db: Knex, name: DailyTableName, participantId: number, from?: Date, to?: Date) {
  const out: Row[] = [];
  const rows = (await dailyCandidatesQuery(name)(db, participantId, from, to)) as Row[];
  for await (const r of resolveDaily(name)(rows)) out.push(r);
  return out;
}

/** Every preferred session starting in [from, to) (tests, benches). */
export async function preferredSessions(
  db: Knex,
  name: SessionTableName,
  participantId: number,
  from?: Date,
  to?: Date
) {
  const out: Row[] = [];
  const rows = (await sessionCandidatesQuery(name)(db, participantId, from, to)) as Row[];
  for await (const r of resolveSessions(name)(rows, from, to)) out.push(r);
  return out;
}
