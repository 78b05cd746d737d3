import type { Knex } from 'knex';
import { localToUtc } from './time.ts';
import { enqueuePullJob } from './jobs.ts';
import type { ProviderId } from '../providers/provider.ts';
import { vendorOf } from '../vendors/registry.ts';

export type ScheduleSettings = {
  /** `HH:MM` in each study's zone. */
  dailyPullTime: string;
  incrementalMinutes: number;
  backfillDays: number;
  /** A connection vendor notifications cover is polled every `incrementalMinutes` of these instead, when on. */
  notifications?: { enabled: boolean; incrementalMinutes: number };
  /** A vendor's connections are pulled incrementally (or on a notification) no more often than this. */
  minMinutes?: Partial<Record<ProviderId, number>>;
  /**
   * When given, a connection of a vendor that lists its users with new data (`Vendor.listing`) and
   * whose notifications do not cover it is pulled incrementally only once a listing pass listed it
   * since its last pull (`listed_at`), or when this many minutes have passed since its last pull.
   */
  listingSafetyNetMinutes?: number;
};

type Active = {
  id: number;
  provider: ProviderId;
  timezone: string;
  daily_pulled_at: Date | null;
  has_state: number;
  last_pull_at: Date | null;
  listed_at: Date | null;
  pending: number;
  notified: number;
};

const DAY = 86_400_000;

/** The latest daily slot at or before `now` in `timeZone`. */
export function lastDailySlot(now: Date, timeZone: string, hhmm: string): Date {
  for (let back = 0; back <= 2; back++) {
    const day = new Date(now.getTime() - back * DAY).toLocaleDateString('en-CA', { timeZone });
    const slot = localToUtc(`${day}T${hhmm}`, timeZone);
    if (slot <= now) return slot;
  }
  return new Date(now.getTime() - DAY);
}

/** The vendor listed new data of the connection since its last pull ended (or it was never pulled). */
const listedSince = (c: Active) => c.listed_at !== null && (c.last_pull_at === null || c.listed_at > c.last_pull_at);

/**
 * Decides what to pull now, idempotently (each job has a dedupe key, so every process may plan):
 * a backfill for connections never pulled; a daily pull for each connection whose study's daily
 * time has passed since its last daily pull (this also catches up runs missed while the machine
 * was off, and the pull's cursor covers every missed day); an incremental pull per interval
 * (less often for a connection vendor notifications cover: polling is then a safety net; never
 * more often than its vendor's `minMinutes`; a connection of a vendor that lists its users with new
 * data, its notifications not covering it, only when listed, or at the safety-net gap),
 * unless a pull of the connection is still queued or running (a daily pull of many connections
 * waits on the quotas for a while; pulling the same days again behind it would only spend them).
 */
export async function planPulls(db: Knex, now: Date, s: ScheduleSettings): Promise<{ enqueued: number }> {
  const rows = (await db('device_connections as c')
    .join('participants as p', 'p.id', 'c.participant_id')
    .join('studies as st', 'st.id', 'p.study_id')
    .leftJoin('wearable_sync_state as w', 'w.connection_id', 'c.id')
    .where('c.status', 'active')
    .select(
      'c.id',
      'c.provider',
      'st.timezone',
      'w.daily_pulled_at',
      'w.last_pull_at',
      'w.listed_at',
      db.raw('w.connection_id IS NOT NULL as has_state'),
      db.raw(
        "EXISTS (SELECT 1 FROM wearable_pull_jobs j WHERE j.connection_id = c.id AND j.state IN ('queued', 'running')) as pending"
      ),
      db.raw(
        '(EXISTS (SELECT 1 FROM wearable_notify_subscriptions n WHERE n.connection_id = c.id) OR ' +
          'EXISTS (SELECT 1 FROM wearable_notify_channels ch WHERE ch.provider = c.provider AND ch.covers_all AND ch.active)) as notified'
      )
    )) as Active[];
  let enqueued = 0;
  // One slot per zone: working it out takes a fraction of a millisecond, times every connection each minute.
  const slots = new Map<string, Date>();
  const slotIn = (timeZone: string) => {
    let slot = slots.get(timeZone);
    if (!slot) slots.set(timeZone, (slot = lastDailySlot(now, timeZone, s.dailyPullTime)));
    return slot;
  };
  const backfillFrom = new Date(now.getTime() - s.backfillDays * DAY);
  for (const c of rows) {
    const add = async (kind: 'backfill' | 'daily' | 'incremental', key: string) => {
      const id = await enqueuePullJob(
        db,
        { kind, connectionId: c.id, from: backfillFrom, to: now, requestedBy: 'schedule', dedupeKey: key },
        now
      );
      if (id !== null) enqueued += 1;
    };
    if (!c.has_state) {
      await add('backfill', `backfill:${c.id}`);
      continue;
    }
    const slot = slotIn(c.timezone);
    if (c.daily_pulled_at === null || c.daily_pulled_at < slot) {
      await add('daily', `daily:${c.id}:${slot.toISOString()}`);
      await db('wearable_sync_state').where({ connection_id: c.id }).update({ daily_pulled_at: now });
      continue;
    }
    const covered = Boolean(s.notifications?.enabled && c.notified);
    const base = covered && s.notifications ? s.notifications.incrementalMinutes : s.incrementalMinutes;
    const minutes = base > 0 ? Math.max(base, s.minMinutes?.[c.provider] ?? 0) : 0;
    if (minutes > 0 && !c.pending) {
      const period = minutes * 60_000;
      const since = c.last_pull_at === null ? Infinity : now.getTime() - c.last_pull_at.getTime();
      const due =
        vendorOf(c.provider).listing && !covered && s.listingSafetyNetMinutes !== undefined
          ? (listedSince(c) && since >= period) || since >= s.listingSafetyNetMinutes * 60_000
          : since >= period;
      if (due) await add('incremental', `incremental:${c.id}:${Math.floor(now.getTime() / period)}`);
    }
  }
  return { enqueued };
}
