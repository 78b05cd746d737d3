import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import type { AppDeps } from '../app-env.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { startFirebaseSimulator, type FirebaseSimulator } from '../test/firebase-simulator.ts';
import {
  asAdmin,
  asViewer,
  grafanaHeaders,
  withoutSecret,
  createTestClock,
  testConfig,
  testDeps,
  testVault,
  type TestClock,
} from '../test/fixtures.ts';
import { enrolledPhone } from '../test/enrolled-phone.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { notificationHistory } from '../data-access/notification-history.ts';
import { saveCredentials } from './credential-store.ts';
import { planFollowUps } from './follow-ups.ts';
import { ServiceAccount } from './google-auth.ts';
import { planSurveyPushes } from './planner.ts';
import { createPushSender } from './sender.ts';

const TOKEN = `aW9zLXBob25lLXRva2Vu:APA91b${'q'.repeat(140)}`;
const MINUTE = 60_000;

describe('iOS resends and heartbeat wake-ups (an emulated iOS phone, the Firebase simulator)', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let sim: FirebaseSimulator;
  let archiveDir: string;
  let deps: AppDeps;
  let clock: TestClock;

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_push_follow');
    sim = await startFirebaseSimulator();
    archiveDir = await mkdtemp(join(tmpdir(), 'vigil-push-'));
    clock = createTestClock(new Date('2026-09-14T08:00:00Z'));
    const vault = testVault();
    const config = testConfig({ VIGIL_FCM_BASE_URL: sim.url, VIGIL_GOOGLE_OAUTH_BASE_URL: sim.url });
    deps = { ...testDeps({ db: own.db, clock, vault, archiveStore: createLocalArchiveStore(archiveDir) }), config };
    await saveCredentials(
      own.db,
      vault,
      { serviceAccount: ServiceAccount.parse(sim.createServiceAccount('vigil-push')) },
      'test',
      clock()
    );
  });
  afterAll(async () => {
    await sim.close();
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  });

  it('resends an unconfirmed survey push every resend period until the app confirms it; wakes a silent phone', async () => {
    const app = createApp(deps);
    const study = (await (
      await app.request('/api/v1/studies', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ name: 'Resends', timezone: 'UTC' }),
      })
    ).json()) as { id: number };
    const survey = await app.request(`/api/v1/studies/${study.id}/surveys`, {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({
        surveyType: 'tracking_survey',
        name: 'Mood',
        content: [
          { question_id: '2a3b4c5d-0000-4000-8000-000000000001', question_type: 'info_text_box', question_text: 'Hi' },
        ],
        // 05:00 in New York, the zone the emulated phone reports: 09:00 UTC.
        schedules: { absolute: [{ date: '2026-09-14', hour: 5, minute: 0 }] },
      }),
    });
    expect(survey.status).toBe(201);
    const { phone, participant } = await enrolledPhone(app, {
      label: 'ios',
      studyId: study.id,
      phone: { os: 'ios', seed: 'resend' },
    });
    expect((await phone.register()).status).toBe(200);
    expect((await phone.setFcmToken(TOKEN)).status).toBe(204);
    await phone.heartbeat();

    const send = createPushSender(deps);
    const tick = async (at: Date) => {
      clock.set(at);
      await planSurveyPushes(own.db, at, deps.config.push.graceMs);
      await planFollowUps(own.db, at);
      return send(at);
    };
    type Push = { kind: string; state: string; resend: number; uuid: string; sent_at: Date | null };
    const pushes = async () =>
      (await own
        .db('push_notifications')
        .where({ participant_id: participant.id })
        .orderBy('id')
        .select('kind', 'state', 'resend', 'uuid', 'sent_at')) as Push[];
    const surveyData = () =>
      sim.sent
        .map((m) => m.message as { data?: Record<string, string>; notification?: { body: string } })
        .filter((m) => m.data?.type === 'survey');

    await tick(new Date('2026-09-14T08:30:00Z'));
    await phone.heartbeat();
    await tick(new Date('2026-09-14T09:00:30Z'));
    const [original] = await pushes();
    expect(original).toMatchObject({ kind: 'survey', state: 'sent', resend: 0 });
    const uuid = (original as { uuid: string }).uuid;
    expect(surveyData()).toHaveLength(1);

    // The default resend period is 180 minutes; the phone keeps its heartbeat meanwhile.
    for (const minutes of [60, 120, 179]) {
      clock.set(new Date(Date.parse('2026-09-14T09:00:30Z') + minutes * MINUTE));
      await phone.heartbeat();
      await tick(clock());
    }
    expect(surveyData()).toHaveLength(1);
    await phone.heartbeat();
    await tick(new Date(Date.parse('2026-09-14T09:00:30Z') + 181 * MINUTE));
    expect(surveyData()).toHaveLength(2);
    const resent = surveyData()[1]!;
    expect(JSON.parse(resent.data!.survey_uuids_dict!)).toEqual({
      [Object.keys(JSON.parse(resent.data!.survey_uuids_dict!) as object)[0]!]: [uuid],
    });
    expect(resent.notification).toEqual({ title: 'Beiwe', body: 'You have a survey to take.' });

    // The app confirms with the uuid on its next survey download: no more resends.
    expect((await phone.downloadSurveys([uuid])).status).toBe(200);
    expect((await pushes()).map((p) => [p.kind, p.state, p.resend])).toEqual([
      ['survey', 'confirmed', 0],
      ['survey', 'confirmed', 1],
    ]);
    // One row of the funnel: the resend is the same event, on its day.
    const funnel = await app.request(
      `/api/v1/participants/${participant.id}/push-funnel?from=2026-09-14&to=2026-09-14`,
      { headers: asViewer }
    );
    expect(((await funnel.json()) as { days: unknown[] }).days).toEqual([
      expect.objectContaining({ day: '2026-09-14', surveyName: 'Mood', due: 1, sent: 1, delivered: 1, opened: 0 }),
    ]);
    clock.set(new Date(Date.parse('2026-09-14T09:00:30Z') + 400 * MINUTE));
    await phone.heartbeat();
    await tick(clock());
    expect(surveyData()).toHaveLength(2);

    // Silent for over the heartbeat timer (60 minutes by default): one wake-up, not one per minute.
    const silentFrom = clock().getTime();
    for (const minutes of [30, 59, 61, 62, 90]) await tick(new Date(silentFrom + minutes * MINUTE));
    const wakeUps = (await pushes()).filter((p) => p.kind === 'heartbeat');
    expect(wakeUps.map((w) => [w.state, (w.sent_at as Date).getTime() - silentFrom])).toEqual([['sent', 61 * MINUTE]]);
    expect(sim.sent.at(-1)!.message).toMatchObject({
      data: { type: 'message', message: 'Beiwe may not be running correctly, please open the Beiwe app.' },
      notification: { title: 'Beiwe', body: 'Beiwe may not be running correctly, please open the Beiwe app.' },
    });
    // Still silent a period later: woken again.
    await tick(new Date(silentFrom + 122 * MINUTE));
    expect((await pushes()).filter((p) => p.kind === 'heartbeat')).toHaveLength(2);

    // The admin API lists them with their state; Beiwe's history API shows the survey pushes.
    const listed = await app.request(`/api/v1/participants/${participant.id}/push-notifications?limit=200`, {
      headers: asViewer,
    });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as {
      items: { kind: string; state: string; resend: number; surveyName: string | null; uuid: string }[];
      total: number;
    };
    expect(body.total).toBe(4);
    expect(body.items.map((i) => [i.kind, i.state, i.resend, i.surveyName]).sort()).toEqual(
      [
        ['heartbeat', 'sent', 0, null],
        ['heartbeat', 'sent', 0, null],
        ['survey', 'confirmed', 0, 'Mood'],
        ['survey', 'confirmed', 1, 'Mood'],
      ].sort()
    );
    const bad = await app.request(`/api/v1/participants/${participant.id}/push-notifications?state=lost`, {
      headers: asViewer,
    });
    expect([bad.status, ((await bad.json()) as { error: { message: string } }).error.message]).toEqual([
      400,
      'state: must be scheduled, sent, failed, skipped or confirmed',
    ]);
    expect((await app.request('/api/v1/participants/999999/push-notifications', { headers: asViewer })).status).toBe(
      404
    );
    expect(
      (await app.request(`/api/v1/participants/${participant.id}/push-notifications`, { headers: withoutSecret }))
        .status
    ).toBe(401);
    expect(
      (
        await app.request(`/api/v1/participants/${participant.id}/push-notifications`, {
          headers: grafanaHeaders('None'),
        })
      ).status
    ).toBe(403);

    const history = await notificationHistory(own.db, {
      participantId: participant.id,
      timeZone: 'America/New_York',
      utc: false,
    });
    const [surveyObjectId] = Object.keys(history);
    expect(history[surveyObjectId!]).toEqual([
      {
        timestamp: '2026-09-14T05:00:30-04:00',
        type: 'absolute',
        scheduled_time: '2026-09-14T05:00:00-04:00',
        confirmed_received: expect.stringMatching(/^2026-09-14T08:0\d:30-04:00$/) as string,
        uuid,
        resend: false,
        push_rejected: false,
      },
      expect.objectContaining({ timestamp: '2026-09-14T08:01:30-04:00', uuid, resend: true }),
    ]);
    const inUtc = await notificationHistory(own.db, {
      participantId: participant.id,
      timeZone: 'America/New_York',
      utc: true,
    });
    expect(inUtc[surveyObjectId!]![0]).toMatchObject({
      timestamp: '2026-09-14T09:00:30Z',
      scheduled_time: '2026-09-14T09:00:00Z',
    });
  });
});
