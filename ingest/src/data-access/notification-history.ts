import type { Knex } from 'knex';
import { orjsonTime } from './python-time.ts';

/**
 * One push notification sent for a survey, as Beiwe's `/get-participant-notification-history/v1`
 * writes it (`participant_archived_event_dict` in `libs/endpoint_helpers/data_api_helpers.py`):
 * - `timestamp`: when it was sent, and `scheduled_time`: the schedule time it was for (it can be
 *   well before the send), both orjson datetimes (no microseconds) in the study's time zone, or in
 *   UTC written with `Z` when the request has a `utc` field (any value);
 * - `type`: the kind of schedule (`absolute`, `relative`, `weekly`);
 * - `confirmed_received`: when the phone confirmed it (iOS app 2.5+), or false;
 * - `uuid`: the schedule event's id (a resend shares it), `resend`: whether this was a resend;
 * - `push_rejected`: true when the push service refused it.
 */
export type NotificationRecord = {
  timestamp: string;
  type: string;
  scheduled_time: string;
  confirmed_received: string | false;
  uuid: string;
  resend: boolean;
  push_rejected: boolean;
};

/** `{survey_object_id: [notification, …]}`, by survey, then schedule time, then send time. */
export type NotificationHistory = Record<string, NotificationRecord[]>;

/**
 * A participant's survey notification history: every survey push that went to FCM (sent,
 * confirmed, or refused: `push_rejected`), not those skipped or never tried. `timestamp` is when it
 * was sent (when it was refused, for a refused one), `confirmed_received` when the app confirmed it.
 */
export async function notificationHistory(
  db: Knex,
  query: { participantId: number; timeZone: string; utc: boolean }
): Promise<NotificationHistory> {
  const rows = (await db('push_notifications as n')
    .join('surveys as s', 's.id', 'n.survey_id')
    .where({ 'n.participant_id': query.participantId, 'n.kind': 'survey' })
    .where(
      (q) =>
        void q
          .whereIn('n.state', ['sent', 'confirmed'])
          .orWhere((f) => void f.where('n.state', 'failed').where('n.attempts', '>', 0))
    )
    .orderBy([{ column: 's.object_id' }, { column: 'n.scheduled_for' }, { column: 'n.sent_at' }, { column: 'n.id' }])
    .select(
      's.object_id',
      'n.schedule_type',
      'n.scheduled_for',
      'n.sent_at',
      'n.next_attempt_at',
      'n.confirmed_at',
      'n.uuid',
      'n.resend',
      'n.state'
    )) as {
    object_id: string;
    schedule_type: string;
    scheduled_for: Date;
    sent_at: Date | null;
    next_attempt_at: Date;
    confirmed_at: Date | null;
    uuid: string;
    resend: number;
    state: string;
  }[];
  const time = (d: Date) =>
    query.utc
      ? orjsonTime(d, 'UTC', { omitMicroseconds: true, utcZ: true })
      : orjsonTime(d, query.timeZone, { omitMicroseconds: true });
  const history: NotificationHistory = {};
  for (const r of rows) {
    (history[r.object_id] ??= []).push({
      timestamp: time(r.sent_at ?? r.next_attempt_at),
      type: r.schedule_type,
      scheduled_time: time(r.scheduled_for),
      confirmed_received: r.confirmed_at ? time(r.confirmed_at) : false,
      uuid: r.uuid,
      resend: r.resend > 0,
      push_rejected: r.state === 'failed',
    });
  }
  return history;
}
