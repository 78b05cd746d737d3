import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { parseJsonColumn } from '../study-config/json-column.ts';
import type { Schedules } from '../study-config/schedules.ts';
import { localDay } from '../streams/local-days.ts';
import { SURVEY_TYPES } from '../study-config/survey-content.ts';
import { dueTimes, isTimeZone } from './due-times.ts';

/** After a long outage planning looks back at most this far (older times are not even recorded). */
const MAX_LOOKBACK_MS = 7 * 86_400_000;

/** Due times found in the window (each planned once, whichever run inserted it). */
export type PlanResult = { considered: number };

type PhoneRow = {
  participant_id: number;
  study_id: number;
  os_type: string | null;
  study_timezone: string;
  phone_timezone: string | null;
};

/**
 * Turns survey schedules into `push_notifications` rows, from where the last run stopped up to
 * `now`, for every live registered phone, in the time zone its phone reported last (the study's
 * when it reported none). A time due longer than `graceMs` ago (the scheduler was down) is recorded
 * as skipped. Rows are keyed by (participant, survey, instant), so a run repeated by another
 * process, or overlapping the last, adds nothing twice.
 */
export async function planSurveyPushes(db: Knex, now: Date, graceMs: number): Promise<PlanResult> {
  const state = (await db('push_planner_state').where({ id: 1 }).first('planned_until')) as
    { planned_until: Date } | undefined;
  const to = now.getTime() + 1;
  const from = Math.max(state?.planned_until.getTime() ?? now.getTime() - graceMs, now.getTime() - MAX_LOOKBACK_MS);
  const result: PlanResult = { considered: 0 };
  if (from < to) {
    const phones = await registeredPhones(db);
    const surveys = await liveSurveys(db, [...new Set(phones.map((p) => p.study_id))]);
    const dates = await interventionDates(
      db,
      phones.map((p) => p.participant_id)
    );
    const rows: Record<string, unknown>[] = [];
    for (const phone of phones) {
      const timeZone =
        phone.phone_timezone && isTimeZone(phone.phone_timezone) ? phone.phone_timezone : phone.study_timezone;
      for (const survey of surveys.get(phone.study_id) ?? []) {
        const times = dueTimes({
          schedules: survey.schedules,
          interventionDates: dates.get(phone.participant_id) ?? new Map(),
          timeZone,
          from,
          to,
        });
        for (const t of times) {
          const late = t.at < now.getTime() - graceMs;
          rows.push({
            participant_id: phone.participant_id,
            kind: 'survey',
            survey_id: survey.id,
            schedule_type: t.scheduleType,
            scheduled_for: new Date(t.at),
            // The funnel's day is the study's, like every other daily figure, whatever zone the phone is in.
            local_day: localDay(new Date(t.at), phone.study_timezone),
            time_zone: timeZone,
            uuid: randomUUID(),
            resend: 0,
            dedupe_key: `survey:${survey.id}:${t.at}`,
            state: late ? 'skipped' : 'scheduled',
            due_at: new Date(t.at),
            next_attempt_at: new Date(t.at),
            platform: phone.os_type,
            error: late ? 'past_grace' : null,
            created_at: now,
          });
        }
      }
    }
    // Ignored when already planned: by the last run, or by another process in this same minute.
    for (let i = 0; i < rows.length; i += 500)
      await db('push_notifications')
        .insert(rows.slice(i, i + 500))
        .onConflict()
        .ignore();
    result.considered = rows.length;
  }
  await db.raw(
    'INSERT INTO push_planner_state (id, planned_until) VALUES (1, ?) ON DUPLICATE KEY UPDATE planned_until = GREATEST(planned_until, VALUES(planned_until))',
    [new Date(to)]
  );
  return result;
}

/** Live participants whose phone registered, with the zone its last request named. */
async function registeredPhones(db: Knex): Promise<PhoneRow[]> {
  return (await db('beiwe_participants as b')
    .join('participants as p', 'p.id', 'b.participant_id')
    .join('studies as s', 's.id', 'p.study_id')
    .whereNotNull('b.device_id')
    .whereNull('b.retired_at')
    .whereNull('p.deleted_at')
    .whereNull('s.deleted_at')
    .select(
      'b.participant_id',
      'p.study_id',
      'b.os_type',
      's.timezone as study_timezone',
      db.raw(
        '(SELECT h.timezone FROM beiwe_device_history h WHERE h.participant_id = b.participant_id ORDER BY h.id DESC LIMIT 1) AS phone_timezone'
      )
    )) as PhoneRow[];
}

async function liveSurveys(db: Knex, studyIds: number[]): Promise<Map<number, { id: number; schedules: Schedules }[]>> {
  const byStudy = new Map<number, { id: number; schedules: Schedules }[]>();
  if (studyIds.length === 0) return byStudy;
  const rows = (await db('surveys')
    .whereIn('study_id', studyIds)
    .whereNull('deleted_at')
    .whereIn('survey_type', SURVEY_TYPES)
    .select('id', 'study_id', 'schedules')) as { id: number; study_id: number; schedules: unknown }[];
  for (const r of rows) {
    const list = byStudy.get(r.study_id) ?? [];
    list.push({ id: r.id, schedules: parseJsonColumn(r.schedules) as Schedules });
    byStudy.set(r.study_id, list);
  }
  return byStudy;
}

async function interventionDates(db: Knex, participantIds: number[]): Promise<Map<number, Map<number, string>>> {
  const byParticipant = new Map<number, Map<number, string>>();
  for (let i = 0; i < participantIds.length; i += 1000) {
    const rows = (await db('participant_intervention_dates')
      .whereIn('participant_id', participantIds.slice(i, i + 1000))
      .select('participant_id', 'intervention_id', db.raw("DATE_FORMAT(`date`, '%Y-%m-%d') as date"))) as {
      participant_id: number;
      intervention_id: number;
      date: string;
    }[];
    for (const r of rows) {
      const dates = byParticipant.get(r.participant_id) ?? new Map<number, string>();
      dates.set(r.intervention_id, r.date);
      byParticipant.set(r.participant_id, dates);
    }
  }
  return byParticipant;
}
