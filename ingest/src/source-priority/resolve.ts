import type { Knex } from 'knex';
import { MEASUREMENT_SOURCES, type Measurement } from './schemas.ts';

/**
 * The preferred series: per participant, where several sources have data for the same time, only
 * the study's highest-ranked one is kept; the others fill the times it has no data for. Nothing is
 * summed across sources and the raw rows stay as they are. A source "has data" where it has a row:
 * a vendor that writes no row for an idle minute leaves that minute to the next source.
 */

/** Sources a study's list leaves out rank after all of it, in the measurement's default order. */
const UNLISTED = 1000;
/** No steps row spans more than this (Withings' longest intraday intervals are minutes), so a window needs to look back only this far for rows reaching into it. */
const LONGEST_STEPS_ROW_MS = 24 * 3_600_000;
const MINUTE_MS = 60_000;

/**
 * The rank of each (source, device) in `pairs`, lowest first: the position of the first entry of
 * the participant's study list that matches the source and (when the entry names one) the device.
 * Ranked once per pair and joined, not per row: a correlated subquery per row cost seconds a month.
 * `keys`: further columns of `pairs` that tell its rows apart (ranked alike, kept apart).
 */
export function ranksOf(
  db: Knex,
  measurement: Measurement,
  participantId: number,
  pairs: Knex.QueryBuilder,
  keys: readonly string[] = []
) {
  const defaults = MEASUREMENT_SOURCES[measurement];
  const columns = ['d.source', 'd.device', ...keys.map((k) => `d.${k}`)];
  return db
    .from(pairs.as('d'))
    .leftJoin('source_priorities as sp', function () {
      this.on('sp.source', '=', 'd.source')
        .andOn(db.raw('(sp.device IS NULL OR sp.device = d.device)'))
        .andOn('sp.measurement', '=', db.raw('?', [measurement]))
        .andOn('sp.study_id', '=', db.raw('(SELECT study_id FROM participants WHERE id = ?)', [participantId]));
    })
    .groupBy(columns)
    .select(
      ...columns,
      db.raw(`COALESCE(MIN(sp.position), ? + FIELD(d.source, ${defaults.map(() => '?').join(', ')})) AS rnk`, [
        UNLISTED,
        ...defaults,
      ])
    );
}

/** Minutes counted from a fixed instant: integer keys, and UTC whatever the session's time zone. */
const MINUTE_OF = (alias: string) => `TIMESTAMPDIFF(MINUTE, '2000-01-01', ${alias}.measured_at)`;

/**
 * Heart-rate samples of the preferred source, minute by minute (UTC minutes): in each minute, every
 * sample of the best-ranked (source, device, connection) that has one there, and none of the
 * others'. Columns and order as the `wearable_heart_rate` export, the instant as `t`. Give
 * minute-aligned bounds: a minute cut by the window is decided on its part inside.
 *
 * Planned for a long history (a year of a Fitbit is millions of rows): the few (source, device,
 * connection) groups are numbered in preference order first, each minute's winner is the lowest
 * number present there (a grouped pass over the participant's time index, which holds the device
 * for it), and only then are the rows read, each kept where its group is its minute's winner. A
 * window function partitioned by minute instead had to materialize and sort every full row.
 */
export function preferredHeartRateQuery(
  db: Knex,
  participantId: number,
  from: Date | undefined,
  to: Date | undefined
): Knex.QueryBuilder {
  const within = (q: Knex.QueryBuilder, alias: string) => {
    void q.where(`${alias}.participant_id`, participantId);
    if (from) void q.where(`${alias}.measured_at`, '>=', from);
    if (to) void q.where(`${alias}.measured_at`, '<', to);
    return q;
  };
  // Numbered in the order the minute's pick follows: rank, then source, device and connection for
  // ties (two devices matched by one "any device" entry, one device seen through two connections).
  const present = within(db('heart_rate as p').distinct('p.source', 'p.device', 'p.connection_id'), 'p');
  const groups = () =>
    db
      .from(ranksOf(db, 'heart_rate', participantId, present.clone(), ['connection_id']).as('k'))
      .select(
        'k.source',
        'k.device',
        'k.connection_id',
        db.raw('ROW_NUMBER() OVER (ORDER BY k.rnk, k.source, k.device, k.connection_id) AS ord')
      );
  const ofGroup = (q: Knex.QueryBuilder, alias: string) =>
    q.join(groups().as('g'), function () {
      this.on('g.source', '=', `${alias}.source`)
        .andOn(db.raw(`g.device <=> ${alias}.device`))
        .andOn('g.connection_id', '=', `${alias}.connection_id`);
    });
  const winners = within(ofGroup(db('heart_rate as b'), 'b'), 'b')
    .select(db.raw(`${MINUTE_OF('b')} AS m`))
    .min({ ord: 'g.ord' })
    .groupBy('m');
  return within(ofGroup(db('heart_rate as h'), 'h'), 'h')
    .join(winners.as('w'), function () {
      this.on('w.m', '=', db.raw(MINUTE_OF('h'))).andOn('w.ord', '=', 'g.ord');
    })
    .select('h.measured_at as t', 'h.source', 'h.device', 'h.context', 'h.bpm', 'h.utc_offset_min', 'h.entry')
    .orderBy(['h.measured_at', 'h.source', 'h.connection_id', 'h.context']);
}

export type PreferredHeartRate = {
  t: Date;
  source: string;
  device: string | null;
  context: string;
  bpm: number;
  utc_offset_min: number;
  entry: string | null;
};

export async function preferredHeartRate(db: Knex, participantId: number, from?: Date, to?: Date) {
  return (await preferredHeartRateQuery(db, participantId, from, to)) as PreferredHeartRate[];
}

/** A steps row of any source (the phone's walking minutes included) with its rank. */
export type StepsCandidate = {
  start_at: Date;
  end_at: Date;
  source: string;
  device: string | null;
  steps: number;
  utc_offset_min: number | null;
  connection_id: number | null;
  entry: string | null;
  rnk: number;
};

/**
 * Every source's steps rows that reach into [from, to), ranked, by start: the wearables' `steps`
 * and the phone's `walking_minutes` (source `phone`, no device; its minutes carry no offset).
 */
export function stepsCandidatesQuery(
  db: Knex,
  participantId: number,
  from: Date | undefined,
  to: Date | undefined
): Knex.QueryBuilder {
  const wearables = db('steps as s')
    .select(
      's.start_at',
      's.end_at',
      's.source',
      's.device',
      's.steps',
      's.utc_offset_min',
      's.connection_id',
      's.entry'
    )
    .where('s.participant_id', participantId);
  if (from)
    void wearables
      .where('s.start_at', '>=', new Date(from.getTime() - LONGEST_STEPS_ROW_MS))
      .where('s.end_at', '>', from);
  if (to) void wearables.where('s.start_at', '<', to);
  const phone = db('walking_minutes as w')
    .select(
      'w.minute as start_at',
      db.raw('w.minute + INTERVAL 1 MINUTE AS end_at'),
      db.raw("'phone' AS source"),
      db.raw('NULL AS device'),
      'w.steps',
      db.raw('NULL AS utc_offset_min'),
      db.raw('NULL AS connection_id'),
      db.raw('NULL AS entry')
    )
    .where('w.participant_id', participantId);
  if (from) void phone.where('w.minute', '>', new Date(from.getTime() - MINUTE_MS));
  if (to) void phone.where('w.minute', '<', to);
  const pairs = db('steps')
    .distinct('source', 'device')
    .where('participant_id', participantId)
    .unionAll(db.select(db.raw("'phone' AS source"), db.raw('NULL AS device')), true);
  return db
    .from(wearables.unionAll(phone, true).as('c'))
    .join(ranksOf(db, 'steps', participantId, pairs).as('r'), function () {
      this.on('r.source', '=', 'c.source').andOn(db.raw('r.device <=> c.device'));
    })
    .select('c.*', 'r.rnk')
    .orderBy(['c.start_at', 'c.source', 'c.connection_id']);
}

export type PreferredSteps = {
  t: Date;
  source: string;
  device: string | null;
  end_at: Date;
  /** A row cut by a better source keeps the share of its steps of the part it keeps (to 0.001). */
  steps: number;
  utc_offset_min: number | null;
  connection_id: number | null;
  entry: string | null;
};

/** Time already given to better rows: disjoint intervals in order, merged as they are added. */
class Covered {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /** The first interval ending after `t`. */
  private after(t: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  holds(t: number): boolean {
    const i = this.after(t);
    return i < this.starts.length && this.starts[i]! <= t;
  }

  /** The parts of [s, e) not covered, in order. */
  gaps(s: number, e: number): [number, number][] {
    const out: [number, number][] = [];
    let at = s;
    for (let i = this.after(s); i < this.starts.length && this.starts[i]! < e; i++) {
      if (this.starts[i]! > at) out.push([at, this.starts[i]!]);
      at = Math.max(at, this.ends[i]!);
    }
    if (at < e) out.push([at, e]);
    return out;
  }

  add(s: number, e: number): void {
    // Intervals that overlap or touch [s, e) merge with it.
    let i = this.after(s);
    if (i > 0 && this.ends[i - 1] === s) i--;
    let j = i;
    let start = s;
    let end = e;
    while (j < this.starts.length && this.starts[j]! <= e) {
      start = Math.min(start, this.starts[j]!);
      end = Math.max(end, this.ends[j]!);
      j++;
    }
    this.starts.splice(i, j - i, start);
    this.ends.splice(i, j - i, end);
  }
}

const order = (a: StepsCandidate, b: StepsCandidate) =>
  a.rnk - b.rnk ||
  a.source.localeCompare(b.source) ||
  (a.device ?? '').localeCompare(b.device ?? '') ||
  (a.connection_id ?? 0) - (b.connection_id ?? 0) ||
  a.start_at.getTime() - b.start_at.getTime();

/**
 * One group of overlapping rows: each row, best rank first, keeps the parts of its interval no
 * better row covered, with its steps shared out in proportion to time. Ties (two devices both
 * matched by one "any device" entry, a row seen through two connections) are broken by source,
 * device and connection, so no two rows ever count the same time.
 */
function resolveGroup(rows: StepsCandidate[]): PreferredSteps[] {
  const covered = new Covered();
  const out: PreferredSteps[] = [];
  for (const r of [...rows].sort(order)) {
    const s = r.start_at.getTime();
    const e = r.end_at.getTime();
    const keep = (from: number, to: number, steps: number) =>
      out.push({
        t: new Date(from),
        source: r.source,
        device: r.device,
        end_at: new Date(to),
        steps,
        utc_offset_min: r.utc_offset_min,
        connection_id: r.connection_id,
        entry: r.entry,
      });
    if (e <= s) {
      // A count without duration belongs to its instant: kept unless a better row covers it.
      if (!covered.holds(s)) keep(s, e, r.steps);
      continue;
    }
    for (const [fs, fe] of covered.gaps(s, e)) {
      keep(fs, fe, fs === s && fe === e ? r.steps : Math.round((r.steps * (fe - fs) * 1000) / (e - s)) / 1000);
    }
    covered.add(s, e);
  }
  return out.sort(
    (a, b) =>
      a.t.getTime() - b.t.getTime() ||
      a.source.localeCompare(b.source) ||
      (a.connection_id ?? 0) - (b.connection_id ?? 0)
  );
}

/**
 * The preferred steps series from candidates in start order, streamed: rows are gathered while they
 * overlap, and each group is resolved once a row starts after all of it has ended. Pieces starting
 * outside [from, to) (rows reaching in from before the window) are left out.
 */
export async function* resolveSteps(
  candidates: AsyncIterable<StepsCandidate> | Iterable<StepsCandidate>,
  from?: Date,
  to?: Date
): AsyncGenerator<PreferredSteps> {
  const inWindow = (p: PreferredSteps) => (!from || p.t >= from) && (!to || p.t < to);
  let group: StepsCandidate[] = [];
  let groupEnd = -Infinity;
  for await (const r of candidates) {
    if (group.length > 0 && r.start_at.getTime() >= groupEnd) {
      yield* resolveGroup(group).filter(inWindow);
      group = [];
      groupEnd = -Infinity;
    }
    group.push(r);
    groupEnd = Math.max(groupEnd, r.end_at.getTime());
  }
  yield* resolveGroup(group).filter(inWindow);
}

export async function preferredSteps(db: Knex, participantId: number, from?: Date, to?: Date) {
  const candidates = (await stepsCandidatesQuery(db, participantId, from, to)) as StepsCandidate[];
  const out: PreferredSteps[] = [];
  for await (const p of resolveSteps(candidates.map(numeric), from, to)) out.push(p);
  return out;
}

/** MariaDB gives a UNION of an integer and a double column back as it likes; the ranks as BIGINT. */
export const numeric = (r: StepsCandidate): StepsCandidate => ({ ...r, steps: Number(r.steps), rnk: Number(r.rnk) });
