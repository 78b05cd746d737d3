import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { currentDeviceSettings } from '../study-config/device-settings-store.ts';

/** Beiwe resends an unconfirmed iOS survey push at most this many times, within a day of its schedule. */
export const MAX_RESENDS = 3;
const RESEND_WINDOW_MS = 86_400_000;
/** Beiwe's floor for `heartbeat_timer_minutes`. */
const MIN_HEARTBEAT_MINUTES = 30;

type Settings = { resendMs: number; heartbeatMs: number };

/**
 * The pushes Beiwe sends beside the schedules, planned as rows for the sender:
 * - a resend of an iOS survey push the app has not confirmed (its uuid never came back in
 *   `notification_uuids`) once the study's `resend_period_minutes` passed since the last send (0
 *   turns resends off); a resend shares the schedule event's uuid;
 * - a wake-up (the study's heartbeat message) to a registered phone silent — no heartbeat, upload
 *   or registration — for longer than `heartbeat_timer_minutes` (at least 30), at most once per
 *   that period.
 */
export async function planFollowUps(db: Knex, now: Date): Promise<{ resends: number; wakeUps: number }> {
  const settings = new Map<number, Settings>();
  const settingsOf = async (studyId: number) => {
    let s = settings.get(studyId);
    if (!s) {
      const d = await currentDeviceSettings(db, studyId);
      s = {
        resendMs: d.resend_period_minutes * 60_000,
        heartbeatMs: Math.max(MIN_HEARTBEAT_MINUTES, d.heartbeat_timer_minutes) * 60_000,
      };
      settings.set(studyId, s);
    }
    return s;
  };

  const unconfirmed = (await db('push_notifications as n')
    .join('participants as p', 'p.id', 'n.participant_id')
    .where({ 'n.kind': 'survey', 'n.platform': 'IOS' })
    .where('n.scheduled_for', '>', new Date(now.getTime() - RESEND_WINDOW_MS))
    .groupBy(
      'n.participant_id',
      'n.uuid',
      'n.survey_id',
      'n.schedule_type',
      'n.scheduled_for',
      'n.local_day',
      'n.time_zone',
      'p.study_id'
    )
    .havingRaw('SUM(n.confirmed_at IS NOT NULL) = 0')
    .havingRaw("SUM(n.state = 'scheduled') = 0")
    .havingRaw('MAX(n.sent_at) IS NOT NULL')
    .havingRaw('MAX(n.resend) < ?', [MAX_RESENDS])
    .select(
      'n.participant_id',
      'n.uuid',
      'n.survey_id',
      'n.schedule_type',
      'n.scheduled_for',
      'n.time_zone',
      'p.study_id',
      db.raw("DATE_FORMAT(n.local_day, '%Y-%m-%d') AS local_day"),
      db.raw('MAX(n.resend) AS last_resend'),
      db.raw('MAX(n.sent_at) AS last_sent')
    )) as {
    participant_id: number;
    uuid: string;
    survey_id: number;
    schedule_type: string;
    scheduled_for: Date;
    local_day: string | null;
    time_zone: string;
    study_id: number;
    last_resend: number;
    last_sent: Date;
  }[];
  const rows: Record<string, unknown>[] = [];
  for (const u of unconfirmed) {
    const { resendMs } = await settingsOf(u.study_id);
    if (resendMs === 0 || new Date(u.last_sent).getTime() > now.getTime() - resendMs) continue;
    const resend = Number(u.last_resend) + 1;
    rows.push({
      participant_id: u.participant_id,
      kind: 'survey',
      survey_id: u.survey_id,
      schedule_type: u.schedule_type,
      scheduled_for: u.scheduled_for,
      local_day: u.local_day,
      time_zone: u.time_zone,
      uuid: u.uuid,
      resend,
      dedupe_key: `survey:${u.survey_id}:${u.scheduled_for.getTime()}:resend${resend}`,
      state: 'scheduled',
      due_at: now,
      next_attempt_at: now,
      platform: 'IOS',
      created_at: now,
    });
  }

  const phones = (await db('beiwe_participants as b')
    .join('participants as p', 'p.id', 'b.participant_id')
    .join('studies as s', 's.id', 'p.study_id')
    .whereNotNull('b.device_id')
    .whereNull('b.retired_at')
    .whereNull('p.deleted_at')
    .whereNull('s.deleted_at')
    .whereRaw(
      'EXISTS (SELECT 1 FROM beiwe_fcm_tokens t WHERE t.participant_id = b.participant_id AND t.unregistered_at IS NULL)'
    )
    .select(
      'b.participant_id',
      'p.study_id',
      'b.os_type',
      db.raw(
        "GREATEST(COALESCE(b.last_heartbeat_at, '1970-01-01'), COALESCE(b.last_upload_at, '1970-01-01'), COALESCE(b.last_registered_at, '1970-01-01')) AS last_contact"
      ),
      db.raw(
        "(SELECT MAX(w.created_at) FROM push_notifications w WHERE w.participant_id = b.participant_id AND w.kind = 'heartbeat') AS last_wake_up"
      )
    )) as {
    participant_id: number;
    study_id: number;
    os_type: string | null;
    last_contact: Date;
    last_wake_up: Date | null;
  }[];
  let wakeUps = 0;
  for (const phone of phones) {
    const { heartbeatMs } = await settingsOf(phone.study_id);
    const since = now.getTime() - heartbeatMs;
    if (new Date(phone.last_contact).getTime() > since) continue;
    if (phone.last_wake_up && new Date(phone.last_wake_up).getTime() > since) continue;
    wakeUps++;
    rows.push({
      participant_id: phone.participant_id,
      kind: 'heartbeat',
      survey_id: null,
      schedule_type: null,
      scheduled_for: now,
      time_zone: 'UTC',
      uuid: randomUUID(),
      resend: 0,
      dedupe_key: `heartbeat:${Math.floor(now.getTime() / heartbeatMs)}`,
      state: 'scheduled',
      due_at: now,
      next_attempt_at: now,
      platform: phone.os_type,
      created_at: now,
    });
  }
  for (let i = 0; i < rows.length; i += 500)
    await db('push_notifications')
      .insert(rows.slice(i, i + 500))
      .onConflict()
      .ignore();
  return { resends: rows.length - wakeUps, wakeUps };
}

const NotificationUuids = z.array(z.string().max(64)).max(1000);

/**
 * The iOS app lists the schedule uuids of the survey pushes it received (`notification_uuids`, a
 * JSON list) on `download_surveys` and the heartbeat: those pushes, resends included, are confirmed.
 * Anything unreadable is ignored, as Beiwe ignores it: the phone's request still succeeds.
 */
export async function confirmNotifications(
  db: Knex,
  participantId: number,
  field: string | undefined,
  now: Date
): Promise<number> {
  if (field === undefined || field === '' || field === '[]') return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(field);
  } catch {
    return 0;
  }
  const uuids = NotificationUuids.safeParse(parsed);
  if (!uuids.success || uuids.data.length === 0) return 0;
  return db('push_notifications')
    .where({ participant_id: participantId, kind: 'survey' })
    .whereIn('uuid', uuids.data)
    .whereNull('confirmed_at')
    .whereIn('state', ['sent', 'confirmed'])
    .update({ state: 'confirmed', confirmed_at: now });
}
