import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app.ts';
import { createLocalArchiveStore } from '../../archive/local-store.ts';
import { asAdmin, createTestClock, testDeps, testVault } from '../../test/fixtures.ts';
import { createPhone } from '../../test/phone-emulator/phone.ts';
import { createOwnDatabase } from '../../test/test-db.ts';

/**
 * A study configured through the admin API, seen by emulated Android and iOS phones: the settings
 * at registration and from get_latest_device_settings, and the surveys with timings built for each
 * participant. Its own database: registration queues an identifiers upload.
 */
describe('phones get the study’s settings and surveys', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let archiveDir: string;
  let app: ReturnType<typeof createApp>;
  // Saturday 21 November 2026, 10:00 in New York: the window is Tue 17th to Tue 24th, 00:00.
  const clock = createTestClock(new Date('2026-11-21T15:00:00Z'));

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_phone_config');
    archiveDir = await mkdtemp(join(tmpdir(), 'vigil-phone-config-'));
    app = createApp(
      testDeps({ db: own.db, clock, vault: testVault(), archiveStore: createLocalArchiveStore(archiveDir) })
    );
  });
  afterAll(async () => {
    await own.drop();
    await rm(archiveDir, { recursive: true, force: true });
  });

  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await app.request(`/api/v1${path}`, {
      method,
      headers: asAdmin,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect([path, res.status]).toEqual([path, method === 'POST' && !path.endsWith('import') ? 201 : 200]);
    return (await res.json()) as T;
  };

  async function configuredStudy() {
    const study = await admin<{ id: number }>('POST', '/studies', {
      name: `Configured ${Math.random()}`,
      timezone: 'America/New_York',
    });
    await admin('PUT', `/studies/${study.id}/device-settings`, { accelerometer_frequency: 5, gyro: true, wifi: false });
    const surgery = await admin<{ id: number }>('POST', `/studies/${study.id}/interventions`, { name: 'Surgery' });
    const discharge = await admin<{ id: number }>('POST', `/studies/${study.id}/interventions`, { name: 'Discharge' });
    const daily = await admin<{ id: number; objectId: string }>('POST', `/studies/${study.id}/surveys`, {
      surveyType: 'tracking_survey',
      name: 'Daily',
      content: [
        { question_id: 'mood', question_text: 'Mood?', question_type: 'slider', min: 0, max: 10 },
        {
          question_id: 'why',
          question_text: 'Why?',
          question_type: 'free_response',
          text_field_type: 'SINGLE_LINE_TEXT',
        },
      ],
      schedules: {
        weekly: [
          { day: 3, hour: 18, minute: 30 },
          { day: 1, hour: 9, minute: 0 },
        ],
        absolute: [
          { date: '2026-11-22', hour: 20, minute: 0 },
          { date: '2026-12-25', hour: 9, minute: 0 },
        ],
        relative: [
          { interventionId: surgery.id, daysAfter: 2, hour: 8, minute: 0 },
          { interventionId: discharge.id, daysAfter: 0, hour: 10, minute: 0 },
        ],
      },
    });
    const diary = await admin<{ id: number; objectId: string }>('POST', `/studies/${study.id}/surveys`, {
      surveyType: 'audio_survey',
      name: 'Diary',
      content: [{ prompt: 'How was your day?' }],
      settings: {
        audio_survey_type: 'raw',
        sample_rate: 16000,
        trigger_on_first_download: false,
        always_available: true,
      },
    });
    const gone = await admin<{ id: number }>('POST', `/studies/${study.id}/surveys`, { surveyType: 'audio_survey' });
    await admin('DELETE', `/surveys/${gone.id}`);
    return { study, surgery, daily, diary };
  }

  async function enrolledPhone(studyId: number, os: 'android' | 'ios', label: string) {
    const participant = await admin<{ id: number; beiwe: { patientId: string; temporaryPassword: string } }>(
      'POST',
      `/studies/${studyId}/participants`,
      { label }
    );
    const phone = createPhone({
      os,
      serverUrl: 'https://vigil.example',
      patientId: participant.beiwe.patientId,
      temporaryPassword: participant.beiwe.temporaryPassword,
      seed: label,
      // The emulator builds each URL as a string: base URL plus the endpoint's path.
      fetch: (input, init) =>
        Promise.resolve(app.request((input as string).replace('https://vigil.example', ''), init)),
    });
    return { phone, participantId: participant.id };
  }

  const at = (hour: number, minute = 0) => hour * 3600 + minute * 60;

  for (const os of ['android', 'ios'] as const) {
    it(`${os}: settings at registration and on request, surveys with this participant’s timings`, async () => {
      const { study, surgery, daily, diary } = await configuredStudy();
      const { phone, participantId } = await enrolledPhone(study.id, os, `${os}_with_surgery`);
      await admin('PUT', `/participants/${participantId}/interventions`, {
        dates: [{ interventionId: surgery.id, date: '2026-11-18' }],
      });

      expect((await phone.register()).status).toBe(200);
      expect(phone.deviceSettings).toMatchObject({ id: study.id, accelerometer_frequency: 5, gyro: true, wifi: false });

      const settings = await phone.getLatestDeviceSettings();
      expect(settings.status).toBe(200);
      expect(JSON.parse(settings.body)).toMatchObject({
        id: study.id,
        accelerometer_frequency: 5,
        gps: true,
        enable_extensive_device_info_tracking: false,
      });

      const download = await phone.downloadSurveys();
      expect(download.status).toBe(200);
      const surveys = JSON.parse(download.body) as Record<string, unknown>[];
      expect(surveys.map((s) => s._id)).toEqual([daily.objectId, diary.objectId]);
      expect(surveys[0]).toEqual({
        _id: daily.objectId,
        survey_type: 'tracking_survey',
        name: 'Daily',
        content: [
          { question_id: 'mood', question_text: 'Mood?', question_type: 'slider', min: 0, max: 10 },
          {
            question_id: 'why',
            question_text: 'Why?',
            question_type: 'free_response',
            text_field_type: 'SINGLE_LINE_TEXT',
          },
        ],
        settings: {
          trigger_on_first_download: false,
          randomize: false,
          randomize_with_memory: false,
          number_of_random_questions: null,
          always_available: false,
        },
        // Sunday 22nd 20:00 (absolute), Monday 09:00 and Wednesday 18:30 (weekly), Friday 20th 08:00 (surgery + 2 days).
        timings: [[at(20)], [at(9)], [], [at(18, 30)], [], [at(8)], []],
      });
      expect(surveys[1]).toMatchObject({
        survey_type: 'audio_survey',
        content: [{ prompt: 'How was your day?' }],
        settings: { audio_survey_type: 'raw', sample_rate: 16000 },
        timings: [[], [], [], [], [], [], []],
      });

      // The phone adopted them: its survey files carry the downloaded ids, the voice recording is raw WAV.
      const files = phone.generateFiles({
        from: new Date('2026-11-21T15:00:00Z'),
        hours: 1,
        streams: ['survey_answers', 'audio_recordings'],
      });
      expect(files.some((f) => f.stream === 'survey_answers' && f.fileName.includes(daily.objectId))).toBe(true);
      expect(files.find((f) => f.stream === 'audio_recordings')?.fileName).toMatch(
        new RegExp(`${diary.objectId}.*\\.wav$`)
      );
    });
  }

  it('another participant of the study, with no intervention date, gets no relative events', async () => {
    const { study } = await configuredStudy();
    const { phone } = await enrolledPhone(study.id, 'android', 'no_dates');
    await phone.register();
    const [daily] = JSON.parse((await phone.downloadSurveys()).body) as { timings: number[][] }[];
    expect(daily?.timings).toEqual([[at(20)], [at(9)], [], [at(18, 30)], [], [], []]);
  });

  it('skip logic is kept as stored and downloaded in the form the iOS app reads without stopping', async () => {
    const { study } = await configuredStudy();
    const displayIf = { and: [{ '!=': ['mood', '5'] }, { '>=': ['mood', '2'] }] };
    const survey = await admin<{ id: number }>('POST', `/studies/${study.id}/surveys`, {
      surveyType: 'tracking_survey',
      name: 'Branching',
      content: [
        { question_id: 'mood', question_text: 'Mood?', question_type: 'slider', min: 0, max: 10 },
        { question_id: 'note', question_text: 'Not five?', question_type: 'info_text_box', display_if: displayIf },
      ],
    });
    const stored = await admin<{ content: { display_if?: unknown }[] }>('GET', `/surveys/${survey.id}`);
    expect(stored.content[1]?.display_if).toEqual(displayIf);

    const { phone } = await enrolledPhone(study.id, 'ios', 'branching');
    await phone.register();
    const surveys = JSON.parse((await phone.downloadSurveys()).body) as {
      name: string;
      content: { display_if?: unknown }[];
    }[];
    expect(surveys.find((s) => s.name === 'Branching')?.content[1]?.display_if).toEqual({
      and: [{ or: [{ '<': ['mood', 5] }, { '>': ['mood', 5] }] }, { '>=': ['mood', 2] }],
    });
  });
});
