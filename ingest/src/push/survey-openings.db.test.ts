import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { test } from '../test/fixtures.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { parseSummaryQuery, summaryStatisticRows } from '../data-access/summary-statistics-request.ts';
import { surveyOpeningsByDay, type DayOpenings } from './funnel.ts';

/**
 * Sycamore's time to open and duration, computed by hand. Study in Europe/Paris (UTC+2 in
 * September), surveys Mood and Sleep; all times UTC.
 *
 * iOS participant:
 * - D1 Mood 14 Sep 07:00 (window to 15 Sep 07:00): present 08:00 … submitted 08:05; then present
 *   12:00, submitted 12:02 (a new session after a submission). Two submissions: opens 3600 and
 *   18000 s, durations 300 and 120 s. Day 14: open 10800, duration 210.
 * - D2 Mood 15 Sep 07:00 (to 16 Sep 07:00): present 09:00, unpresent 09:01; present 13:00 (a new
 *   session after more than two hours); present 16 Sep 06:50 (another). Never submitted in the
 *   window: three sessions start in it, opens 7200, 21600 and 85800 s.
 * - S1 Sleep 14 Sep 22:30 = 00:30 on the 15th in Paris (its only event): present 22:40, submitted
 *   22:50: open 600, duration 600. Day 15 (D2 and S1): open (7200 + 21600 + 85800 + 600) / 4 =
 *   28800, duration 600.
 * - D3 Mood 16 Sep 07:00 (the last: no end): submitted 07:10, in the session begun at 06:50 in D2's
 *   window (open −600, duration 1200); present 08:01, notified 08:02 (ends the session), present
 *   08:03, submitted 08:04 (open 3780, duration 60); the unsubmitted session of 08:01 does not
 *   count, the delivery being submitted. Day 16: open 1590, duration 630.
 * Android participant:
 * - D4 Mood 14 Sep 07:00 (to 15 Sep 07:00): "Survey first rendered" 07:05, a question 07:06,
 *   rendered again 07:07 (a new session), a question 07:09, "User hit submit" 07:10 (open 420,
 *   duration 180); "User hit submit" alone at 10:00 (open 10800, its duration zero: none).
 *   Day 14: open 5610, duration 180.
 * - D5 Mood 15 Sep 07:00: never opened, so no row for the 15th.
 */

async function survey(db: Knex, studyId: number, name: string): Promise<{ id: number; objectId: string }> {
  const objectId = randomBytes(12).toString('hex').slice(0, 24);
  const now = new Date();
  const [id] = await db('surveys').insert({
    study_id: studyId,
    object_id: objectId,
    survey_type: 'tracking_survey',
    name,
    content: '[]',
    settings: '{}',
    schedules: '{}',
    version: 1,
    created_at: now,
    updated_at: now,
  });
  return { id: id!, objectId };
}

async function delivery(db: Knex, participantId: number, surveyId: number, at: string, localDay: string) {
  await db('push_notifications').insert({
    participant_id: participantId,
    kind: 'survey',
    survey_id: surveyId,
    schedule_type: 'absolute',
    scheduled_for: new Date(at),
    local_day: localDay,
    time_zone: 'Europe/Paris',
    uuid: randomUUID(),
    resend: 0,
    dedupe_key: `test:${randomUUID()}`,
    state: 'sent',
    due_at: new Date(at),
    next_attempt_at: new Date(at),
    attempts: 1,
    platform: 'IOS',
    sent_at: new Date(at),
    created_at: new Date(at),
  });
}

/** A timing row: a question's (Android's with no event, iOS's present/changed/unpresent) or a bare event. */
async function timing(db: Knex, participantId: number, surveyObjectId: string, at: string, event: string | null) {
  const bare = event !== null && !['present', 'changed', 'unpresent'].includes(event);
  await db('survey_timings').insert({
    participant_id: participantId,
    t: new Date(at),
    survey_id: surveyObjectId,
    row_hash: randomBytes(8),
    question_id: bare ? '' : 'q1',
    question_type: bare ? '' : 'slider',
    question_text: '',
    question_answer_options: '',
    answer: '',
    event,
  });
}

async function patient(db: Knex, participantId: number): Promise<string> {
  const patientId = randomBytes(4).toString('hex');
  await db('beiwe_participants').insert({
    participant_id: participantId,
    patient_id: patientId,
    password_hash: 'x',
    private_key_sealed: 'x',
    public_key: 'x',
    created_at: new Date(),
    updated_at: new Date(),
  });
  return patientId;
}

async function seed(db: Knex) {
  const study = await insertStudy(db, { timezone: 'Europe/Paris' });
  const mood = await survey(db, study.id, 'Mood');
  const sleep = await survey(db, study.id, 'Sleep');
  const iosP = await insertParticipant(db, study.id);
  const androidP = await insertParticipant(db, study.id);
  const [ios, android] = [await patient(db, iosP.id), await patient(db, androidP.id)];
  const iosRow = (at: string, event: string) => timing(db, iosP.id, mood.objectId, `2026-09-${at}Z`, event);

  await delivery(db, iosP.id, mood.id, '2026-09-14T07:00:00Z', '2026-09-14');
  await iosRow('14T08:00:00', 'present');
  await iosRow('14T08:01:00', 'changed');
  await iosRow('14T08:03:00', 'unpresent');
  await iosRow('14T08:05:00', 'submitted');
  await iosRow('14T12:00:00', 'present');
  await iosRow('14T12:02:00', 'submitted');
  await delivery(db, iosP.id, mood.id, '2026-09-15T07:00:00Z', '2026-09-15');
  await iosRow('15T09:00:00', 'present');
  await iosRow('15T09:01:00', 'unpresent');
  await iosRow('15T13:00:00', 'present');
  await iosRow('16T06:50:00', 'present');
  await delivery(db, iosP.id, sleep.id, '2026-09-14T22:30:00Z', '2026-09-15');
  await timing(db, iosP.id, sleep.objectId, '2026-09-14T22:40:00Z', 'present');
  await timing(db, iosP.id, sleep.objectId, '2026-09-14T22:50:00Z', 'submitted');
  await delivery(db, iosP.id, mood.id, '2026-09-16T07:00:00Z', '2026-09-16');
  await iosRow('16T07:10:00', 'submitted');
  await iosRow('16T08:01:00', 'present');
  await iosRow('16T08:02:00', 'notified');
  await iosRow('16T08:03:00', 'present');
  await iosRow('16T08:04:00', 'submitted');

  const androidRow = (at: string, event: string | null) =>
    timing(db, androidP.id, mood.objectId, `2026-09-${at}Z`, event);
  await delivery(db, androidP.id, mood.id, '2026-09-14T07:00:00Z', '2026-09-14');
  await androidRow('14T07:05:00', 'Survey first rendered and displayed to user');
  await androidRow('14T07:06:00', null);
  await androidRow('14T07:07:00', 'Survey first rendered and displayed to user');
  await androidRow('14T07:09:00', null);
  await androidRow('14T07:10:00', 'User hit submit');
  await androidRow('14T10:00:00', 'User hit submit');
  await delivery(db, androidP.id, mood.id, '2026-09-15T07:00:00Z', '2026-09-15');
  return { study, ios, android };
}

const sorted = (rows: readonly DayOpenings[]) =>
  [...rows].sort((a, b) => (a.patientId + a.day < b.patientId + b.day ? -1 : 1));

describe('sycamore’s time to open and duration', () => {
  test('per participant and local day, from sessions and delivery windows', async ({ db }) => {
    const { study, ios, android } = await seed(db);
    expect(sorted(await surveyOpeningsByDay(db, { studyId: study.id }))).toEqual(
      sorted([
        { patientId: ios, day: '2026-09-14', avgTimeToOpen: 10800, avgDuration: 210 },
        { patientId: ios, day: '2026-09-15', avgTimeToOpen: 28800, avgDuration: 600 },
        { patientId: ios, day: '2026-09-16', avgTimeToOpen: 1590, avgDuration: 630 },
        { patientId: android, day: '2026-09-14', avgTimeToOpen: 5610, avgDuration: 180 },
      ])
    );
  });

  test('filters by participant and dates; a session begun before the first day asked for keeps its start', async ({
    db,
  }) => {
    const { study, ios, android } = await seed(db);
    expect(
      await surveyOpeningsByDay(db, { studyId: study.id, participantIds: [ios], startDate: '2026-09-16' })
    ).toEqual([{ patientId: ios, day: '2026-09-16', avgTimeToOpen: 1590, avgDuration: 630 }]);
    expect(
      await surveyOpeningsByDay(db, { studyId: study.id, participantIds: [android], endDate: '2026-09-14' })
    ).toEqual([{ patientId: android, day: '2026-09-14', avgTimeToOpen: 5610, avgDuration: 180 }]);
    // The 15th: D2's window ends at D3, which is read though the range ends the 15th.
    expect(
      await surveyOpeningsByDay(db, {
        studyId: study.id,
        participantIds: [ios],
        startDate: '2026-09-15',
        endDate: '2026-09-15',
      })
    ).toEqual([{ patientId: ios, day: '2026-09-15', avgTimeToOpen: 28800, avgDuration: 600 }]);
    expect(await surveyOpeningsByDay(db, { studyId: study.id, participantIds: [] })).toEqual([]);
  });

  test('fill /get-summary-statistics/v1’s sycamore_average_time_to_open and sycamore_average_duration', async ({
    db,
  }) => {
    const { study, ios, android } = await seed(db);
    const query = parseSummaryQuery(
      new URL(
        'http://vigil.test/get-summary-statistics/v1?fields=date,participant_id,sycamore_total_surveys,sycamore_average_time_to_open,sycamore_average_duration&order_direction=ascending'
      ),
      {}
    );
    const rows = await summaryStatisticRows(db, study, query);
    const byKey = (r: Record<string, unknown>) => `${String(r.participant_id)}/${String(r.date)}`;
    expect([...rows].sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1))).toEqual(
      [
        { participant_id: ios, date: '2026-09-14', open: 10800, duration: 210, surveys: 1 },
        { participant_id: ios, date: '2026-09-15', open: 28800, duration: 600, surveys: 2 },
        { participant_id: ios, date: '2026-09-16', open: 1590, duration: 630, surveys: 1 },
        { participant_id: android, date: '2026-09-14', open: 5610, duration: 180, surveys: 1 },
        // Due, never opened: Beiwe's empty cells.
        { participant_id: android, date: '2026-09-15', open: null, duration: null, surveys: 1 },
      ]
        .map((r) => ({
          date: r.date,
          sycamore_total_surveys: r.surveys,
          sycamore_average_time_to_open: r.open,
          sycamore_average_duration: r.duration,
          participant_id: r.participant_id,
        }))
        .sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1))
    );
  });
});
