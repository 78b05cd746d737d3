import type { Knex } from 'knex';
import { SUBMIT_EVENTS } from '../features/adherence.ts';

/**
 * The delivery funnel of survey pushes, per survey and local day (the study's time zone, the day
 * the schedule time falls on): how many schedule events were due, sent, delivered, opened and
 * submitted, with the due ones never sent split into failed and skipped.
 *
 * - A **due** survey is one schedule event: a planned push and its iOS resends (they share the
 *   event's uuid) count once, whatever their states.
 * - **sent**: one of its pushes went out to FCM; **failed**: none did and one was refused (an
 *   unregistered token, no token, retries spent); **skipped**: none did, it was due beyond the grace
 *   period. Due events still waiting to go out are in none of the three.
 * - **delivered**: the phone confirmed it (`notification_uuids`). Only the iOS app confirms, so an
 *   Android phone's pushes are sent, never delivered, even when they were opened.
 * - **opened**: a survey timing row of that survey arrived from the phone at or after the event's
 *   schedule time and before the survey's next schedule event for that participant (any state);
 *   **submitted**: among those rows, a submission (Android `User hit submit`, iOS `submitted`).
 *
 * Why that window, and not "after the push was sent": an Android phone shows a survey from its own
 * alarm at the schedule time whether or not the push arrives (a push retried with backoff goes out
 * minutes later, a failed one never), and a survey session belongs to the occurrence that was due
 * when it began; it ends where the next occurrence is due because from then on the phone shows
 * that one. So opened and submitted may exceed sent (an Android phone whose push failed), which is
 * what happened rather than a gap in the funnel. It is also Forest sycamore's window (a submission
 * counts for a delivery when it falls between that delivery and the next; `survey_submits`), with
 * the schedule times the planner really used where sycamore re-derives them from the study file.
 * Timing rows before a survey's first schedule event belong to no event.
 */
export type FunnelCounts = {
  due: number;
  sent: number;
  failed: number;
  skipped: number;
  delivered: number;
  opened: number;
  submitted: number;
};

export type FunnelRow = {
  day: string;
  surveyId: number;
  surveyObjectId: string;
  surveyName: string;
} & FunnelCounts;

export const FUNNEL_STAGES = ['due', 'sent', 'failed', 'skipped', 'delivered', 'opened', 'submitted'] as const;

/**
 * The schedule events of the participants `who` selects (SQL on `n.participant_id`, its bindings)
 * with a local day in [from, to], each with its counts and its first submission (`submitted_at`):
 * a `WITH … taken AS (…)` to select from, and its bindings.
 */
function eventsSql(who: string, whoBindings: readonly (string | number)[], from: string, to: string) {
  const submits = [...SUBMIT_EVENTS];
  // One pass each: the next event's time by LEAD over the distinct schedule times (events of one
  // time share their window, as "the next time after this one" says), and every timing row joined
  // once to its window; correlated subqueries per event cost a study of 200 tens of seconds.
  // Events after `to` are read too, as the last day's windows end at them.
  return {
    sql: `WITH events AS (
       SELECT n.participant_id, n.survey_id, n.uuid, MIN(n.scheduled_for) AS scheduled_for,
              MIN(n.local_day) AS local_day,
              MAX(n.sent_at IS NOT NULL) AS sent,
              MAX(n.confirmed_at IS NOT NULL) AS delivered,
              MAX(n.state = 'failed') AS failed,
              MAX(n.state = 'skipped') AS skipped
       FROM push_notifications n
       WHERE n.kind = 'survey' AND ${who} AND n.local_day >= ?
       GROUP BY n.participant_id, n.survey_id, n.uuid
     ), ends AS (
       SELECT d.participant_id, d.survey_id, d.scheduled_for,
              LEAD(d.scheduled_for) OVER (PARTITION BY d.participant_id, d.survey_id ORDER BY d.scheduled_for) AS window_end
       FROM (SELECT DISTINCT participant_id, survey_id, scheduled_for FROM events) d
     ), windows AS (
       SELECT e.*, s.object_id, s.name, x.window_end
       FROM events e
         JOIN ends x ON x.participant_id = e.participant_id AND x.survey_id = e.survey_id
           AND x.scheduled_for = e.scheduled_for
         JOIN surveys s ON s.id = e.survey_id
       WHERE e.local_day <= ?
     ), taken AS (
       SELECT w.participant_id, w.survey_id, w.uuid, w.scheduled_for, w.local_day, w.sent, w.delivered,
              w.failed, w.skipped, w.object_id, w.name,
              COUNT(t.t) > 0 AS opened,
              MIN(CASE WHEN t.event IN (${submits.map(() => '?').join(', ')}) THEN t.t END) AS submitted_at
       FROM windows w
         LEFT JOIN survey_timings t ON t.participant_id = w.participant_id AND t.survey_id = w.object_id
           AND t.t >= w.scheduled_for AND (w.window_end IS NULL OR t.t < w.window_end)
       GROUP BY w.participant_id, w.survey_id, w.uuid, w.scheduled_for, w.local_day, w.sent, w.delivered,
                w.failed, w.skipped, w.object_id, w.name
     )`,
    bindings: [...whoBindings, from, to, ...submits],
  };
}

/**
 * Funnel rows for local days `from`–`to` (inclusive, `YYYY-MM-DD`) of one participant, or of every
 * participant of a study not deleted; ordered by day, survey name, survey id.
 */
export async function pushFunnel(
  db: Knex,
  query: ({ participantId: number } | { studyId: number }) & { from: string; to: string }
): Promise<FunnelRow[]> {
  const events =
    'participantId' in query
      ? eventsSql('n.participant_id = ?', [query.participantId], query.from, query.to)
      : eventsSql(
          'n.participant_id IN (SELECT p.id FROM participants p WHERE p.study_id = ? AND p.deleted_at IS NULL)',
          [query.studyId],
          query.from,
          query.to
        );
  const [rows] = (await db.raw(
    `${events.sql}
     SELECT DATE_FORMAT(o.local_day, '%Y-%m-%d') AS day, o.survey_id, o.object_id, o.name,
            COUNT(*) AS due, SUM(o.sent) AS sent, SUM(o.failed AND NOT o.sent) AS failed,
            SUM(o.skipped AND NOT o.sent AND NOT o.failed) AS skipped, SUM(o.delivered) AS delivered,
            SUM(o.opened) AS opened, SUM(o.submitted_at IS NOT NULL) AS submitted
     FROM taken o
     GROUP BY o.local_day, o.survey_id, o.object_id, o.name
     ORDER BY o.local_day, o.name, o.survey_id`,
    events.bindings
  )) as [Record<string, string | number>[]];
  return rows.map((r) => ({
    day: String(r.day),
    surveyId: Number(r.survey_id),
    surveyObjectId: String(r.object_id),
    surveyName: String(r.name),
    due: Number(r.due),
    sent: Number(r.sent),
    failed: Number(r.failed),
    skipped: Number(r.skipped),
    delivered: Number(r.delivered),
    opened: Number(r.opened),
    submitted: Number(r.submitted),
  }));
}

type BeiweDaysQuery = { studyId: number; participantIds?: readonly string[]; startDate?: string; endDate?: string };

/** The schedule events of a study's live Beiwe participants (those patient ids only, if given). */
function beiweEvents(query: BeiweDaysQuery) {
  const ids = query.participantIds ?? [];
  return eventsSql(
    `n.participant_id IN (SELECT p.id FROM participants p JOIN beiwe_participants b ON b.participant_id = p.id
      WHERE p.study_id = ? AND p.deleted_at IS NULL
      ${query.participantIds ? `AND b.patient_id IN (${ids.map(() => '?').join(', ') || 'NULL'})` : ''})`,
    [query.studyId, ...ids],
    query.startDate ?? '0001-01-01',
    query.endDate ?? '9999-12-31'
  );
}

export type DayDeliveries = { patientId: string; day: string; due: number; avgTimeToSubmit: number | null };

/**
 * Per Beiwe participant (patient id; all of the study's live ones if none given) and local day in
 * [startDate, endDate] (either open): the survey schedule events due, and the mean seconds from an
 * event's schedule time to its first submission over the events submitted. These are sycamore's
 * `num_surveys` and `avg_time_to_submit` (`survey_submits`: deliveries, and submission minus
 * delivery for the deliveries submitted before the next), with the planner's real schedule times as
 * deliveries. Sycamore averages every submission in a window; here a survey submitted twice counts
 * its first.
 */
export async function surveyDeliveriesByDay(db: Knex, query: BeiweDaysQuery): Promise<DayDeliveries[]> {
  const events = beiweEvents(query);
  const [rows] = (await db.raw(
    `${events.sql}
     SELECT b.patient_id, DATE_FORMAT(o.local_day, '%Y-%m-%d') AS day, COUNT(*) AS due,
            AVG(TIMESTAMPDIFF(MICROSECOND, o.scheduled_for, o.submitted_at)) / 1e6 AS avg_time_to_submit
     FROM taken o JOIN beiwe_participants b ON b.participant_id = o.participant_id
     GROUP BY b.patient_id, o.local_day
     ORDER BY b.patient_id, o.local_day`,
    events.bindings
  )) as [{ patient_id: string; day: string; due: number; avg_time_to_submit: string | number | null }[]];
  return rows.map((r) => ({
    patientId: r.patient_id,
    day: r.day,
    due: Number(r.due),
    avgTimeToSubmit: r.avg_time_to_submit === null ? null : Number(r.avg_time_to_submit),
  }));
}

export type DayOpenings = { patientId: string; day: string; avgTimeToOpen: number | null; avgDuration: number | null };

/** Android writes a bare row when it shows a survey; sycamore counts each one as a new session. */
const FIRST_RENDERED = 'Survey first rendered and displayed to user';
/** iOS rows of a notification, not of the survey being used: they end a session and never open one. */
const NOTICE_EVENTS = ['notified', 'expired'] as const;
/** Sycamore's pause that splits a session (`aggregate_surveys`: more than two hours). */
const SESSION_GAP_US = 2 * 3_600_000_000;
/** How far before the first delivery asked for timing rows are read, to find where a session began. */
const SESSION_LOOKBACK_HOURS = 24;

/**
 * Per Beiwe participant and local day, sycamore's `avg_time_to_open` and `avg_duration`
 * (`survey_submits` and `summarize_submits` in forest/sycamore/submits.py, sessions from
 * `aggregate_surveys` in common.py), over the same deliveries as `surveyDeliveriesByDay`.
 *
 * A **session** is a run of one survey's timing rows: a new one starts at the first row, after a
 * submission or an iOS `notified` row, at Android's "Survey first rendered…" row, and after a pause
 * of more than two hours. It starts at its first row that is not an iOS notice. For each delivery,
 * window [schedule time, next schedule time): if a submission falls in it, each submission gives a
 * time to open (its session's start minus the schedule time, negative when the session began
 * before) and a duration (submission minus session start, none when zero); else each session that
 * starts in it gives a time to open. The day's values are the means of those, in seconds; a day
 * whose deliveries were never opened has no row, and a day with no duration has null.
 */
export async function surveyOpeningsByDay(db: Knex, query: BeiweDaysQuery): Promise<DayOpenings[]> {
  const events = beiweEvents(query);
  const submits = [...SUBMIT_EVENTS];
  const inSubmits = `(${submits.map(() => '?').join(', ')})`;
  const [rows] = (await db.raw(
    // Each row is placed in its delivery's window by sorting rows and schedule times together (the
    // last schedule time at or before the row), not by a range join: materialised CTEs have no
    // index, and a range join between them compares every row with every delivery.
    `${events.sql}, marks AS (
       -- Every schedule time read, those after the range too: they end the last day's windows.
       SELECT e.participant_id, s.object_id, e.scheduled_for, MIN(e.local_day) AS local_day
       FROM events e JOIN surveys s ON s.id = e.survey_id
       GROUP BY e.participant_id, s.object_id, e.scheduled_for
     ), marked AS (
       SELECT t.participant_id, t.survey_id, t.t, t.row_hash, t.event,
              CASE WHEN LAG(t.t) OVER w IS NULL
                     OR LAG(t.event) OVER w IN ${inSubmits} OR LAG(t.event) OVER w = 'notified'
                     OR t.event = ?
                     OR TIMESTAMPDIFF(MICROSECOND, LAG(t.t) OVER w, t.t) > ?
                   THEN 1 ELSE 0 END AS starts_session
       FROM survey_timings t
         JOIN (SELECT DISTINCT participant_id, object_id FROM marks) p
           ON p.participant_id = t.participant_id AND p.object_id = t.survey_id
       WHERE t.t >= (SELECT MIN(scheduled_for) FROM marks) - INTERVAL ? HOUR
       WINDOW w AS (PARTITION BY t.participant_id, t.survey_id ORDER BY t.t, t.row_hash)
     ), numbered AS (
       SELECT m.*, SUM(m.starts_session) OVER (PARTITION BY m.participant_id, m.survey_id ORDER BY m.t, m.row_hash
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_no
       FROM marked m
     ), sessions AS (
       SELECT n.participant_id, n.survey_id, n.t, n.event,
              MIN(CASE WHEN n.event IS NULL OR n.event NOT IN (${NOTICE_EVENTS.map(() => '?').join(', ')}) THEN n.t END)
                OVER (PARTITION BY n.participant_id, n.survey_id, n.session_no) AS session_start
       FROM numbered n
     ), timeline AS (
       -- kind 0, a schedule time, sorts before a row of the same instant: the window includes its start.
       SELECT participant_id, object_id AS survey_id, scheduled_for AS t, CAST(NULL AS DATETIME(3)) AS session_start,
              CAST(NULL AS CHAR(100)) AS event, 0 AS kind
       FROM marks
       UNION ALL
       SELECT participant_id, survey_id, t, session_start, event, 1
       FROM sessions
       WHERE event IN ${inSubmits} OR t = session_start
     ), placed AS (
       SELECT x.*, MAX(CASE WHEN x.kind = 0 THEN x.t END)
                     OVER (PARTITION BY x.participant_id, x.survey_id ORDER BY x.t, x.kind
                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS scheduled_for
       FROM timeline x
     ), hits AS (
       -- DISTINCT: sycamore drops identical rows (two opening rows of one millisecond are one).
       SELECT DISTINCT participant_id, survey_id, scheduled_for, t, session_start,
              CASE WHEN event IN ${inSubmits} THEN 1 ELSE 0 END AS submit
       FROM placed
       WHERE kind = 1 AND scheduled_for IS NOT NULL
     ), kept AS (
       SELECT h.*, MAX(h.submit) OVER (PARTITION BY h.participant_id, h.survey_id, h.scheduled_for) AS submitted
       FROM hits h
     )
     SELECT b.patient_id, DATE_FORMAT(m.local_day, '%Y-%m-%d') AS day,
            AVG(TIMESTAMPDIFF(MICROSECOND, k.scheduled_for, k.session_start)) / 1e6 AS avg_time_to_open,
            AVG(CASE WHEN k.submit = 1 AND k.t > k.session_start
                     THEN TIMESTAMPDIFF(MICROSECOND, k.session_start, k.t) END) / 1e6 AS avg_duration
     FROM kept k
       JOIN marks m ON m.participant_id = k.participant_id AND m.object_id = k.survey_id
         AND m.scheduled_for = k.scheduled_for
       JOIN beiwe_participants b ON b.participant_id = k.participant_id
     WHERE k.submit = k.submitted AND m.local_day <= ?
     GROUP BY b.patient_id, m.local_day
     ORDER BY b.patient_id, m.local_day`,
    [
      ...events.bindings,
      ...submits,
      FIRST_RENDERED,
      SESSION_GAP_US,
      SESSION_LOOKBACK_HOURS,
      ...NOTICE_EVENTS,
      ...submits,
      ...submits,
      query.endDate ?? '9999-12-31',
    ]
  )) as [
    {
      patient_id: string;
      day: string;
      avg_time_to_open: string | number | null;
      avg_duration: string | number | null;
    }[],
  ];
  return rows.map((r) => ({
    patientId: r.patient_id,
    day: r.day,
    avgTimeToOpen: r.avg_time_to_open === null ? null : Number(r.avg_time_to_open),
    avgDuration: r.avg_duration === null ? null : Number(r.avg_duration),
  }));
}

/** The rows added up. */
export function funnelTotals(rows: readonly FunnelCounts[]): FunnelCounts {
  const totals: FunnelCounts = { due: 0, sent: 0, failed: 0, skipped: 0, delivered: 0, opened: 0, submitted: 0 };
  for (const r of rows) for (const stage of FUNNEL_STAGES) totals[stage] += r[stage];
  return totals;
}
