import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import type { AppDeps } from '../app-env.ts';
import { createDb } from '../db.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { startFirebaseSimulator, type FirebaseSimulator } from '../test/firebase-simulator.ts';
import { createTestClock, testConfig, testDeps, testVault, type TestClock } from '../test/fixtures.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { saveCredentials } from './credential-store.ts';
import { ServiceAccount } from './google-auth.ts';
import { planSurveyPushes } from './planner.ts';
import { createPushSender } from './sender.ts';

const GRACE = 30 * 60_000;
const at = (iso: string) => new Date(iso);
const tokenOf = (n: number) => `cGhvbmUtdG9rZW4t${n}:APA91b${'z'.repeat(140)}`;

type Row = {
  participant_id: number;
  state: string;
  scheduled_for: Date;
  sent_at: Date | null;
  uuid: string;
  error: string | null;
};

describe('survey schedules to pushes (one database, the Firebase simulator)', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let sim: FirebaseSimulator;
  let archiveDir: string;
  let deps: AppDeps;
  let clock: TestClock;
  const vault = testVault();

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_push');
    sim = await startFirebaseSimulator();
    archiveDir = await mkdtemp(join(tmpdir(), 'vigil-push-'));
    clock = createTestClock();
    const config = testConfig({ VIGIL_FCM_BASE_URL: sim.url, VIGIL_GOOGLE_OAUTH_BASE_URL: sim.url });
    deps = { ...testDeps({ db: own.db, clock, vault, archiveStore: createLocalArchiveStore(archiveDir) }), config };
    const account = ServiceAccount.parse(sim.createServiceAccount('vigil-push'));
    await saveCredentials(own.db, vault, { serviceAccount: account }, 'test', new Date());
  });
  afterAll(async () => {
    await sim.close();
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await own.db('push_notifications').delete();
    await own.db('push_planner_state').delete();
    await own.db('push_credentials').update({ problem: null, problem_at: null });
    sim.restoreQuota();
  });

  /** A study with one survey and a registered phone per zone (its zone reported on its last request). */
  async function enrol(
    db: Knex,
    schedules: object,
    phones: { zone: string; os: 'IOS' | 'ANDROID' }[],
    studyZone = 'UTC'
  ) {
    const study = await insertStudy(db, { timezone: studyZone });
    const [surveyId] = await db('surveys').insert({
      study_id: study.id,
      object_id: `S${Math.random().toString(36).slice(2, 12).padEnd(23, 'x')}`,
      survey_type: 'tracking_survey',
      name: 'Mood',
      content: '[]',
      settings: '{}',
      schedules: JSON.stringify({ weekly: [], absolute: [], relative: [], ...schedules }),
      version: 1,
      created_at: new Date(),
      updated_at: new Date(),
    });
    const ids: number[] = [];
    for (const [i, phone] of phones.entries()) {
      const participant = await insertParticipant(db, study.id);
      await db('beiwe_participants').insert({
        participant_id: participant.id,
        patient_id: `p${participant.id}`.padEnd(8, 'a').slice(0, 8),
        password_hash: 'x',
        private_key_sealed: 'x',
        public_key: 'x',
        device_id: `device-${participant.id}`,
        os_type: phone.os,
        created_at: new Date(),
        updated_at: new Date(),
      });
      await db('beiwe_device_history').insert({
        participant_id: participant.id,
        seen_at: new Date(),
        device_id: `device-${participant.id}`,
        os_type: phone.os,
        os_version: '17',
        version_code: '1',
        version_name: '2.5',
        timezone: phone.zone,
      });
      await db('beiwe_fcm_tokens').insert({
        participant_id: participant.id,
        token: tokenOf(participant.id * 10 + i),
        created_at: new Date(),
      });
      ids.push(participant.id);
    }
    return { surveyId: Number(surveyId), participants: ids };
  }

  const rows = async (participantId: number) =>
    (await own.db('push_notifications').where({ participant_id: participantId }).orderBy('scheduled_for')) as Row[];
  const run = async (now: Date, send = createPushSender(deps)) => {
    clock.set(now);
    await planSurveyPushes(own.db, now, GRACE);
    return send(now);
  };

  it('sends each weekly survey at 09:00 local in New York and Berlin across both DST changes', async () => {
    const sent0 = sim.sent.length;
    const { participants } = await enrol(own.db, { weekly: [{ day: 0, hour: 9, minute: 0 }] }, [
      { zone: 'America/New_York', os: 'IOS' },
      { zone: 'Europe/Berlin', os: 'ANDROID' },
    ]);
    const [newYork, berlin] = participants as [number, number];
    const expected = {
      [newYork]: [
        '2026-03-01T14:00:00Z',
        '2026-03-08T13:00:00Z',
        '2026-03-15T13:00:00Z',
        '2026-03-22T13:00:00Z',
        '2026-03-29T13:00:00Z',
      ],
      [berlin]: [
        '2026-03-01T08:00:00Z',
        '2026-03-08T08:00:00Z',
        '2026-03-15T08:00:00Z',
        '2026-03-22T08:00:00Z',
        '2026-03-29T07:00:00Z',
      ],
    };
    await run(at('2026-03-01T06:00:00Z'));
    // The scheduler ticks a minute after each due time (every one of them: nothing falls past the grace period).
    const ticks = Object.values(expected)
      .flat()
      .map((iso) => at(iso).getTime() + 60_000)
      .sort((a, b) => a - b);
    for (const tick of ticks) await run(new Date(tick));
    for (const participant of [newYork, berlin]) {
      const got = await rows(participant);
      expect(got.map((r) => [r.scheduled_for.toISOString(), r.state])).toEqual(
        expected[participant]!.map((iso) => [new Date(iso).toISOString(), 'sent'])
      );
      for (const r of got) expect(r.sent_at!.getTime() - r.scheduled_for.getTime()).toBe(60_000);
    }
    const messages = sim.sent.slice(sent0);
    expect(messages).toHaveLength(10);
    const ios = messages.filter((m) => m.message.token === tokenOf(newYork * 10));
    expect(ios).toHaveLength(5);
    expect(ios[0]!.message).toMatchObject({
      notification: { title: 'Beiwe', body: 'You have a survey to take.' },
      data: { type: 'survey' },
    });
    const android = messages.filter((m) => m.message.token === tokenOf(berlin * 10 + 1));
    expect(android[0]!.message).toMatchObject({ android: { priority: 'HIGH', data: { type: 'survey' } } });
    const uuids = (await rows(berlin)).map((r) => r.uuid);
    expect(
      android
        .map(
          (m) =>
            JSON.parse((m.message.android as { data: { survey_uuids_dict: string } }).data.survey_uuids_dict) as Record<
              string,
              string[]
            >
        )
        .map((d) => Object.values(d)[0]![0])
    ).toEqual(uuids);
  });

  it('files each push under the local day of the study, not of the phone', async () => {
    // 09:00 on Sunday 1 March in New York is 04:00 on Monday 2 March in Kiritimati (UTC+14).
    const { participants } = await enrol(
      own.db,
      { weekly: [{ day: 0, hour: 9, minute: 0 }] },
      [{ zone: 'America/New_York', os: 'IOS' }],
      'Pacific/Kiritimati'
    );
    await planSurveyPushes(own.db, at('2026-03-01T06:00:00Z'), GRACE);
    await planSurveyPushes(own.db, at('2026-03-01T14:00:30Z'), GRACE);
    const planned = (await own
      .db('push_notifications')
      .where({ participant_id: participants[0] })
      .select('scheduled_for', own.db.raw("DATE_FORMAT(local_day, '%Y-%m-%d') AS local_day"))) as {
      scheduled_for: Date;
      local_day: string;
    }[];
    expect(planned.map((r) => [r.scheduled_for.toISOString(), r.local_day])).toEqual([
      ['2026-03-01T14:00:00.000Z', '2026-03-02'],
    ]);
  });

  it('two ingest processes on one database send each push exactly once', async () => {
    const sent0 = sim.sent.length;
    const { participants } = await enrol(
      own.db,
      {
        absolute: [
          { date: '2026-05-04', hour: 10, minute: 0 },
          { date: '2026-05-04', hour: 10, minute: 5 },
        ],
      },
      Array.from(
        { length: 30 },
        (_, i) => ({ zone: i % 2 ? 'Europe/Berlin' : 'America/New_York', os: i % 3 ? 'ANDROID' : 'IOS' }) as const
      )
    );
    const otherDb = createDb(testConfig({ VIGIL_DB_NAME: own.config.database }).db);
    try {
      const other = { ...deps, db: otherDb };
      const senders = [createPushSender(deps, 'process-a'), createPushSender(other, 'process-b')];
      const start = at('2026-05-04T07:00:00Z').getTime();
      await planSurveyPushes(own.db, new Date(start), GRACE);
      // Ticks around the Berlin (08:00Z, 08:05Z) and New York (14:00Z, 14:05Z) due times; both processes tick.
      const ticks = [0, 2, 4, 6, 8].flatMap((m) =>
        [at('2026-05-04T07:59:00Z'), at('2026-05-04T13:59:00Z')].map((t) => t.getTime() + m * 60_000)
      );
      for (const tick of ticks.sort((a, b) => a - b)) {
        const now = new Date(tick);
        await Promise.all([
          planSurveyPushes(own.db, now, GRACE).then(() => senders[0]!(now)),
          planSurveyPushes(otherDb, now, GRACE).then(() => senders[1]!(now)),
        ]);
      }
    } finally {
      await otherDb.destroy();
    }
    const all = (await own.db('push_notifications').whereIn('participant_id', participants)) as Row[];
    expect(all).toHaveLength(60);
    expect(new Set(all.map((r) => r.state))).toEqual(new Set(['sent']));
    const messages = sim.sent.slice(sent0);
    expect(messages).toHaveLength(60);
    const sentUuids = messages.map((m) => {
      const data = (m.message.data ?? (m.message.android as { data: Record<string, string> }).data) as Record<
        string,
        string
      >;
      return (Object.values(JSON.parse(data.survey_uuids_dict!) as Record<string, string[]>)[0] ?? [])[0];
    });
    expect(new Set(sentUuids).size).toBe(60);
  });

  it('after downtime, sends what is due within the grace period and records the rest as skipped', async () => {
    const { participants } = await enrol(
      own.db,
      {
        absolute: ['08:00', '09:00', '09:40', '09:55'].map((t) => ({
          date: '2026-06-01',
          hour: Number(t.slice(0, 2)),
          minute: Number(t.slice(3)),
        })),
      },
      [{ zone: 'UTC', os: 'ANDROID' }]
    );
    await run(at('2026-06-01T07:00:00Z'));
    // Down from 07:00 to 10:00.
    await run(at('2026-06-01T10:00:00Z'));
    expect(
      (await rows(participants[0]!)).map((r) => [r.scheduled_for.toISOString().slice(11, 16), r.state, r.error])
    ).toEqual([
      ['08:00', 'skipped', 'past_grace'],
      ['09:00', 'skipped', 'past_grace'],
      ['09:40', 'sent', null],
      ['09:55', 'sent', null],
    ]);
  });

  it('UNREGISTERED retires the token; a quota is retried with backoff; a refused account stops sending, recorded', async () => {
    const { participants } = await enrol(own.db, { absolute: [{ date: '2026-07-01', hour: 12, minute: 0 }] }, [
      { zone: 'UTC', os: 'ANDROID' },
      { zone: 'UTC', os: 'IOS' },
    ]);
    const [a, b] = participants as [number, number];
    sim.unregister(tokenOf(a * 10));
    sim.exhaustQuota(0, 90);
    await run(at('2026-07-01T07:00:00Z'));
    const first = await run(at('2026-07-01T12:00:30Z'));
    expect(first).toMatchObject({ retried: 2 });
    const retry = (await rows(b))[0]! as Row & { next_attempt_at: Date; attempts: number };
    expect([retry.state, retry.error, retry.attempts, retry.next_attempt_at.toISOString()]).toEqual([
      'scheduled',
      'quota',
      1,
      '2026-07-01T12:02:00.000Z',
    ]);
    sim.restoreQuota();
    expect(await run(at('2026-07-01T12:01:30Z'))).toMatchObject({ sent: 0, failed: 0 });
    expect(await run(at('2026-07-01T12:02:00Z'))).toMatchObject({ sent: 1, failed: 1 });
    expect((await rows(a))[0]).toMatchObject({ state: 'failed', error: 'unregistered' });
    expect(await own.db('beiwe_fcm_tokens').where({ participant_id: a }).first('unregistered_at')).toMatchObject({
      unregistered_at: expect.any(Date) as Date,
    });

    await own.db('push_notifications').delete();
    await own.db('push_planner_state').delete();
    sim.failNext('THIRD_PARTY_AUTH_ERROR');
    await run(at('2026-07-01T07:00:00Z'));
    expect(await run(at('2026-07-01T12:00:30Z'))).toMatchObject({ stopped: 'credential_problem' });
    expect(await own.db('push_credentials').first('problem')).toMatchObject({
      problem: expect.stringMatching(/^apns_auth: 401/) as string,
    });
    expect((await rows(b))[0]).toMatchObject({ state: 'scheduled' });
    expect(await run(at('2026-07-01T12:01:30Z'))).toMatchObject({ stopped: 'credential_problem', sent: 0 });
  });
});
