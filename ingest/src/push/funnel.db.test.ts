import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { grafanaHeaders, test, withoutSecret } from '../test/fixtures.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { pushFunnel, surveyDeliveriesByDay, type FunnelRow } from './funnel.ts';

/**
 * Hand-made push and survey timing rows, counted by hand:
 *
 * Study Paris (Europe/Paris, UTC+2 in September), surveys Mood and Sleep.
 * - ios (iOS):
 *   E1 Mood 14 Sep 07:00Z, sent, resent at 07:30 (same uuid), confirmed; opened 08:00, submitted 08:05.
 *   E2 Mood 15 Sep 07:00Z, sent, never confirmed; opened 09:00, not submitted (its submission at
 *      16 Sep 08:00 comes after E8 was due, so it is E8's).
 *   E3 Sleep 14 Sep 20:00Z, sent, confirmed, never opened.
 *   E4 Sleep 14 Sep 22:30Z = 00:30 on the 15th in Paris: failed (no token).
 *   E8 Mood 16 Sep 07:00Z, sent; submitted 08:00 (outside a range ending the 15th).
 *   A heartbeat wake-up, which is no survey.
 * - android (Android, whose app never confirms):
 *   E5 Mood 14 Sep 07:00Z, sent; opened and submitted 07:10 (a Mood row on the 13th precedes every event).
 *   E6 Mood 15 Sep 07:00Z, failed (unregistered), yet opened and submitted 07:20 from the phone's own alarm.
 *   E7 Sleep 14 Sep 20:00Z, skipped (past the grace period).
 *
 * Study New York (America/New_York, UTC−4), survey Mood, participant ny (iOS):
 *   E10 Mood 14 Sep 14:00Z, still scheduled: due only.
 *   E9 Mood 15 Sep 01:00Z = 21:00 on the 14th in New York: sent, confirmed; opened and submitted 01:30Z.
 */

type Push = {
  participantId: number;
  surveyId: number | null;
  at: string;
  localDay: string | null;
  state: 'scheduled' | 'sent' | 'failed' | 'skipped' | 'confirmed';
  uuid?: string;
  resend?: number;
  sentAt?: string;
  confirmedAt?: string;
  error?: string;
};

async function push(db: Knex, p: Push): Promise<string> {
  const uuid = p.uuid ?? randomUUID();
  await db('push_notifications').insert({
    participant_id: p.participantId,
    kind: p.surveyId === null ? 'heartbeat' : 'survey',
    survey_id: p.surveyId,
    schedule_type: p.surveyId === null ? null : 'absolute',
    scheduled_for: new Date(p.at),
    local_day: p.localDay,
    time_zone: 'UTC',
    uuid,
    resend: p.resend ?? 0,
    dedupe_key: `test:${randomUUID()}`,
    state: p.state,
    due_at: new Date(p.at),
    next_attempt_at: new Date(p.at),
    attempts: p.state === 'scheduled' || p.state === 'skipped' ? 0 : 1,
    platform: 'IOS',
    sent_at: p.sentAt ? new Date(p.sentAt) : null,
    confirmed_at: p.confirmedAt ? new Date(p.confirmedAt) : null,
    error: p.error ?? null,
    created_at: new Date(p.at),
  });
  return uuid;
}

async function timing(db: Knex, participantId: number, surveyObjectId: string, at: string, event: string | null) {
  await db('survey_timings').insert({
    participant_id: participantId,
    t: new Date(at),
    survey_id: surveyObjectId,
    row_hash: randomBytes(8),
    question_id: '',
    question_type: '',
    question_text: '',
    question_answer_options: '',
    answer: '',
    event,
  });
}

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

const zero = { due: 0, sent: 0, failed: 0, skipped: 0, delivered: 0, opened: 0, submitted: 0 };

async function seed(db: Knex) {
  const paris = await insertStudy(db, { timezone: 'Europe/Paris' });
  const newYork = await insertStudy(db, { timezone: 'America/New_York' });
  const mood = await survey(db, paris.id, 'Mood');
  const sleep = await survey(db, paris.id, 'Sleep');
  const nyMood = await survey(db, newYork.id, 'Mood');
  const ios = await insertParticipant(db, paris.id);
  const android = await insertParticipant(db, paris.id);
  const ny = await insertParticipant(db, newYork.id);

  const e1 = await push(db, {
    participantId: ios.id,
    surveyId: mood.id,
    at: '2026-09-14T07:00:00Z',
    localDay: '2026-09-14',
    state: 'confirmed',
    sentAt: '2026-09-14T07:00:05Z',
    confirmedAt: '2026-09-14T07:45:00Z',
  });
  await push(db, {
    participantId: ios.id,
    surveyId: mood.id,
    at: '2026-09-14T07:00:00Z',
    localDay: '2026-09-14',
    state: 'confirmed',
    uuid: e1,
    resend: 1,
    sentAt: '2026-09-14T07:30:00Z',
    confirmedAt: '2026-09-14T07:45:00Z',
  });
  await timing(db, ios.id, mood.objectId, '2026-09-14T08:00:00Z', 'present');
  await timing(db, ios.id, mood.objectId, '2026-09-14T08:05:00Z', 'submitted');
  await push(db, {
    participantId: ios.id,
    surveyId: mood.id,
    at: '2026-09-15T07:00:00Z',
    localDay: '2026-09-15',
    state: 'sent',
    sentAt: '2026-09-15T07:00:02Z',
  });
  await timing(db, ios.id, mood.objectId, '2026-09-15T09:00:00Z', 'present');
  await push(db, {
    participantId: ios.id,
    surveyId: sleep.id,
    at: '2026-09-14T20:00:00Z',
    localDay: '2026-09-14',
    state: 'confirmed',
    sentAt: '2026-09-14T20:00:01Z',
    confirmedAt: '2026-09-14T20:10:00Z',
  });
  await push(db, {
    participantId: ios.id,
    surveyId: sleep.id,
    at: '2026-09-14T22:30:00Z',
    localDay: '2026-09-15',
    state: 'failed',
    error: 'no_token',
  });
  await push(db, {
    participantId: ios.id,
    surveyId: mood.id,
    at: '2026-09-16T07:00:00Z',
    localDay: '2026-09-16',
    state: 'sent',
    sentAt: '2026-09-16T07:00:01Z',
  });
  await timing(db, ios.id, mood.objectId, '2026-09-16T08:00:00Z', 'submitted');
  await push(db, {
    participantId: ios.id,
    surveyId: null,
    at: '2026-09-14T12:00:00Z',
    localDay: null,
    state: 'sent',
    sentAt: '2026-09-14T12:00:00Z',
  });

  await timing(db, android.id, mood.objectId, '2026-09-13T10:00:00Z', null);
  await push(db, {
    participantId: android.id,
    surveyId: mood.id,
    at: '2026-09-14T07:00:00Z',
    localDay: '2026-09-14',
    state: 'sent',
    sentAt: '2026-09-14T07:00:03Z',
  });
  await timing(db, android.id, mood.objectId, '2026-09-14T07:08:00Z', null);
  await timing(db, android.id, mood.objectId, '2026-09-14T07:10:00Z', 'User hit submit');
  await push(db, {
    participantId: android.id,
    surveyId: mood.id,
    at: '2026-09-15T07:00:00Z',
    localDay: '2026-09-15',
    state: 'failed',
    error: 'unregistered',
  });
  await timing(db, android.id, mood.objectId, '2026-09-15T07:20:00Z', 'User hit submit');
  await push(db, {
    participantId: android.id,
    surveyId: sleep.id,
    at: '2026-09-14T20:00:00Z',
    localDay: '2026-09-14',
    state: 'skipped',
    error: 'past_grace',
  });

  await push(db, {
    participantId: ny.id,
    surveyId: nyMood.id,
    at: '2026-09-14T14:00:00Z',
    localDay: '2026-09-14',
    state: 'scheduled',
  });
  await push(db, {
    participantId: ny.id,
    surveyId: nyMood.id,
    at: '2026-09-15T01:00:00Z',
    localDay: '2026-09-14',
    state: 'confirmed',
    sentAt: '2026-09-15T01:00:01Z',
    confirmedAt: '2026-09-15T01:05:00Z',
  });
  await timing(db, ny.id, nyMood.objectId, '2026-09-15T01:20:00Z', 'present');
  await timing(db, ny.id, nyMood.objectId, '2026-09-15T01:30:00Z', 'submitted');
  return { paris, newYork, mood, sleep, nyMood, ios, android, ny };
}

const counts = (rows: readonly FunnelRow[]) =>
  rows.map(({ day, surveyName, due, sent, failed, skipped, delivered, opened, submitted }) => ({
    day,
    surveyName,
    due,
    sent,
    failed,
    skipped,
    delivered,
    opened,
    submitted,
  }));

describe('the push delivery funnel', () => {
  test('counts a study’s surveys per local day: resends once, failed, skipped, unopened, opened unsubmitted', async ({
    db,
  }) => {
    const s = await seed(db);
    const rows = await pushFunnel(db, { studyId: s.paris.id, from: '2026-09-14', to: '2026-09-15' });
    expect(counts(rows)).toEqual([
      { ...zero, day: '2026-09-14', surveyName: 'Mood', due: 2, sent: 2, delivered: 1, opened: 2, submitted: 2 },
      { ...zero, day: '2026-09-14', surveyName: 'Sleep', due: 2, sent: 1, skipped: 1, delivered: 1 },
      { ...zero, day: '2026-09-15', surveyName: 'Mood', due: 2, sent: 1, failed: 1, opened: 2, submitted: 1 },
      { ...zero, day: '2026-09-15', surveyName: 'Sleep', due: 1, failed: 1 },
    ]);
    expect(rows.map((r) => r.surveyObjectId)).toEqual([
      s.mood.objectId,
      s.sleep.objectId,
      s.mood.objectId,
      s.sleep.objectId,
    ]);
  });

  test('counts one participant, a submission belonging to the next event once it was due', async ({ db }) => {
    const s = await seed(db);
    expect(counts(await pushFunnel(db, { participantId: s.ios.id, from: '2026-09-14', to: '2026-09-16' }))).toEqual([
      { ...zero, day: '2026-09-14', surveyName: 'Mood', due: 1, sent: 1, delivered: 1, opened: 1, submitted: 1 },
      { ...zero, day: '2026-09-14', surveyName: 'Sleep', due: 1, sent: 1, delivered: 1 },
      { ...zero, day: '2026-09-15', surveyName: 'Mood', due: 1, sent: 1, opened: 1 },
      { ...zero, day: '2026-09-15', surveyName: 'Sleep', due: 1, failed: 1 },
      { ...zero, day: '2026-09-16', surveyName: 'Mood', due: 1, sent: 1, opened: 1, submitted: 1 },
    ]);
    expect(counts(await pushFunnel(db, { participantId: s.android.id, from: '2026-09-15', to: '2026-09-15' }))).toEqual(
      [{ ...zero, day: '2026-09-15', surveyName: 'Mood', due: 1, failed: 1, opened: 1, submitted: 1 }]
    );
  });

  test('keeps each study’s own local days and participants', async ({ db }) => {
    const s = await seed(db);
    expect(counts(await pushFunnel(db, { studyId: s.newYork.id, from: '2026-09-14', to: '2026-09-14' }))).toEqual([
      { ...zero, day: '2026-09-14', surveyName: 'Mood', due: 2, sent: 1, delivered: 1, opened: 1, submitted: 1 },
    ]);
    expect(await pushFunnel(db, { studyId: s.newYork.id, from: '2026-09-15', to: '2026-09-15' })).toEqual([]);
  });

  test('gives Beiwe’s summary statistics sycamore’s deliveries per participant and day, and time to first submission', async ({
    db,
  }) => {
    const s = await seed(db);
    const patient = async (participantId: number) => {
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
    };
    const [ios, android] = [await patient(s.ios.id), await patient(s.android.id)];
    const byPatient = (rows: Awaited<ReturnType<typeof surveyDeliveriesByDay>>) =>
      [...rows].sort((a, b) => (a.patientId + a.day < b.patientId + b.day ? -1 : 1));
    expect(byPatient(await surveyDeliveriesByDay(db, { studyId: s.paris.id }))).toEqual(
      byPatient([
        // E1 submitted 65 minutes after its schedule time; E3 never.
        { patientId: ios, day: '2026-09-14', due: 2, avgTimeToSubmit: 3900 },
        { patientId: ios, day: '2026-09-15', due: 2, avgTimeToSubmit: null },
        { patientId: ios, day: '2026-09-16', due: 1, avgTimeToSubmit: 3600 },
        { patientId: android, day: '2026-09-14', due: 2, avgTimeToSubmit: 600 },
        { patientId: android, day: '2026-09-15', due: 1, avgTimeToSubmit: 1200 },
      ])
    );
    expect(
      await surveyDeliveriesByDay(db, { studyId: s.paris.id, participantIds: [android], startDate: '2026-09-15' })
    ).toEqual([{ patientId: android, day: '2026-09-15', due: 1, avgTimeToSubmit: 1200 }]);
    expect(
      await surveyDeliveriesByDay(db, { studyId: s.paris.id, participantIds: [ios], endDate: '2026-09-14' })
    ).toEqual([{ patientId: ios, day: '2026-09-14', due: 2, avgTimeToSubmit: 3900 }]);
    expect(await surveyDeliveriesByDay(db, { studyId: s.paris.id, participantIds: [] })).toEqual([]);
  });

  test('GET /studies/:id/push-funnel and /participants/:id/push-funnel: Viewers read, totals add up', async ({
    db,
    app,
  }) => {
    const s = await seed(db);
    const viewer = grafanaHeaders('Viewer', 'vic');
    const study = await app.request(`/api/v1/studies/${s.paris.id}/push-funnel?from=2026-09-14&to=2026-09-15`, {
      headers: viewer,
    });
    expect(study.status).toBe(200);
    const body = (await study.json()) as { studyId: number; timeZone: string; days: FunnelRow[]; totals: object };
    expect(body.studyId).toBe(s.paris.id);
    expect(body.timeZone).toBe('Europe/Paris');
    expect(body.days).toHaveLength(4);
    expect(body.totals).toEqual({ due: 7, sent: 4, failed: 2, skipped: 1, delivered: 2, opened: 4, submitted: 3 });

    const one = await app.request(`/api/v1/participants/${s.ny.id}/push-funnel?from=2026-09-14&to=2026-09-14`, {
      headers: viewer,
    });
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({
      participantId: s.ny.id,
      timeZone: 'America/New_York',
      from: '2026-09-14',
      to: '2026-09-14',
      days: [
        {
          ...zero,
          day: '2026-09-14',
          surveyId: s.nyMood.id,
          surveyObjectId: s.nyMood.objectId,
          surveyName: 'Mood',
          due: 2,
          sent: 1,
          delivered: 1,
          opened: 1,
          submitted: 1,
        },
      ],
      totals: { ...zero, due: 2, sent: 1, delivered: 1, opened: 1, submitted: 1 },
    });
  });

  test('refuses bad ranges with the field and why, unknown ids with 404, callers without the secret or a role', async ({
    db,
    app,
  }) => {
    const study = await insertStudy(db);
    const participant = await insertParticipant(db, study.id);
    const get = (path: string, headers: Record<string, string> = grafanaHeaders('Viewer', 'vic')) =>
      app.request(`/api/v1${path}`, { headers });
    const refused = async (path: string) => {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      return ((await res.json()) as { error: { fields: { field: string; message: string }[] } }).error.fields;
    };
    for (const base of [`/studies/${study.id}/push-funnel`, `/participants/${participant.id}/push-funnel`]) {
      expect(await refused(`${base}?from=2026-02-30&to=2026-03-01`)).toEqual([
        { field: 'from', message: 'is not a date in the calendar' },
      ]);
      expect(await refused(`${base}?from=2026-3-1&to=2026-03-01`)).toEqual([
        { field: 'from', message: 'must be a date YYYY-MM-DD' },
      ]);
      expect(await refused(`${base}?from=2026-03-01`)).toEqual([{ field: 'to', message: 'must be a date YYYY-MM-DD' }]);
      expect(await refused(`${base}?from=2026-03-02&to=2026-03-01`)).toEqual([
        { field: 'to', message: 'must not be before from' },
      ]);
      expect(await refused(`${base}?from=2026-01-01&to=2027-01-02`)).toEqual([
        { field: 'to', message: 'the range from–to may cover at most 366 days' },
      ]);
      expect((await get(`${base}?from=2026-01-01&to=2027-01-01`)).status).toBe(200);
      expect((await get(`${base}?from=2026-01-01&to=2026-01-01`, withoutSecret)).status).toBe(401);
      expect((await get(`${base}?from=2026-01-01&to=2026-01-01`, grafanaHeaders('None', 'nobody'))).status).toBe(403);
    }
    for (const path of ['/studies/4000000000/push-funnel', '/participants/4000000000/push-funnel']) {
      const res = await get(`${path}?from=2026-01-01&to=2026-01-02`);
      expect(res.status, path).toBe(404);
    }
  });
});
