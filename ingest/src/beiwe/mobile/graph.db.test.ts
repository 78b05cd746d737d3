import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin } from '../../test/fixtures.ts';
import { createTestIngest } from '../../test/test-ingest.ts';
import { enrolledPhone } from '../../test/enrolled-phone.ts';
import type { GeneratedFile, Phone } from '../../test/phone-emulator/phone.ts';
import { androidFormBody } from '../../test/phone-emulator/http-bodies.ts';
import { pythonInt } from './graph.ts';

/**
 * `POST /graph` (Android's GraphActivity): full authentication, then each survey's last 7
 * submissions, questions from the oldest of them, answers as Python `int()` gives them.
 */
const HOUR = 3_600_000;

describe('POST /graph', () => {
  let ingest: Awaited<ReturnType<typeof createTestIngest>>;
  let phone: Phone;
  let pid = '';
  let files: GeneratedFile[] = [];
  let surveyId = '';

  beforeAll(async () => {
    ingest = await createTestIngest('vigil_graph');
    const { app } = ingest;
    const admin = async <T>(path: string, body: unknown) =>
      (await (
        await app.request(`/api/v1${path}`, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) })
      ).json()) as T;
    const study = await admin<{ id: number }>('/studies', { name: 'Graph' });
    const survey = await admin<{ objectId: string }>(`/studies/${study.id}/surveys`, {
      surveyType: 'tracking_survey',
      name: 'Daily',
      content: [
        { question_id: 'mood', question_text: 'Mood <today>?', question_type: 'slider', min: 0, max: 10 },
        {
          question_id: 'why',
          question_text: 'Why?',
          question_type: 'free_response',
          text_field_type: 'SINGLE_LINE_TEXT',
        },
      ],
    });
    surveyId = survey.objectId;
    await admin(`/studies/${study.id}/surveys`, { surveyType: 'tracking_survey', name: 'Never taken', content: [] });
    const enrolled = await enrolledPhone(app, { label: 'g1', studyId: study.id, phone: { seed: 'graph' } });
    pid = enrolled.participant.beiwe.patientId;
    phone = enrolled.phone;
    await phone.register();
    await phone.downloadSurveys();
    // A session every 6 hours: ten of them, so only the last 7 count.
    const from = Math.floor(Date.now() / HOUR) * HOUR - 60 * HOUR;
    files = phone.generateFiles({ from, hours: 58, streams: ['survey_answers'] });
    for (const f of files) expect((await phone.upload(f.fileName, f.bytes)).status).toBe(200);
    await ingest.drain();
  }, 120_000);
  afterAll(() => ingest.close());

  it('shows each question of the last 7 submissions with its integer answers', async () => {
    const submissions = files
      .filter((f) => f.stream === 'survey_answers' && f.fileName.includes(surveyId))
      .sort((a, b) => (a.fileName < b.fileName ? -1 : 1))
      .slice(-7);
    expect(submissions.length).toBe(7);
    const cells = (f: GeneratedFile) => f.rows.map((r) => r.split(','));
    const questions = cells(submissions[0]!).map(([id, , text]) => ({ id: id!, text: text! }));
    expect(questions.map((q) => q.id)).toEqual(['mood', 'why']);
    const res = await phone.graph();
    expect(res.status).toBe(200);
    const page = res.body;
    expect(page).toContain('View question history for survey 1');
    expect(page).toContain('View question history for survey 2');
    questions.forEach((q, i) => {
      const points = submissions.flatMap((f) =>
        cells(f)
          .filter(([id]) => id === q.id)
          .map((c) => pythonInt(c[4]!))
      );
      const escaped = q.text.replace('<', '&lt;').replace('>', '&gt;');
      expect(page).toContain(
        `<h5>Question ${i + 1}: ${escaped}</h5>\n<p class="points">${points.map((p) => (p === null ? '–' : p)).join(' · ')}</p>`
      );
    });
    expect(page).not.toContain('<today>');
  });

  it('requires the full password check: a wrong password, an unknown id or a GET without the form is 403', async () => {
    const { app } = ingest;
    const post = (fields: [string, string][]) => {
      const { body, contentType } = androidFormBody(fields);
      return app.request('/graph', { method: 'POST', headers: { 'content-type': contentType }, body });
    };
    expect(
      (
        await post([
          ['patient_id', pid],
          ['password', 'wrong'],
          ['device_id', 'd'],
        ])
      ).status
    ).toBe(403);
    expect(
      (
        await post([
          ['patient_id', 'zzzzzzzz'],
          ['password', 'wrong'],
          ['device_id', 'd'],
        ])
      ).status
    ).toBe(403);
    expect((await post([['patient_id', pid]])).status).toBe(403);
    expect((await app.request('/graph')).status).toBe(403);
    const empty = await post([
      ['patient_id', pid],
      ['password', 'x'],
      ['device_id', ''],
    ]);
    expect([empty.status, await empty.text()]).toEqual([400, 'device_id is empty']);
  });
});

describe('pythonInt', () => {
  it('reads what Python int() reads, and nothing else', () => {
    expect(['7', ' -3 ', '+4', '1_000', '0012'].map(pythonInt)).toEqual([7, -3, 4, 1000, 12]);
    expect(['', '3.5', '1e3', '1__0', '_1', 'NO_ANSWER_SELECTED', '[a; b]'].map(pythonInt)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    // Python reads it; a number past 2^53 would not survive as one here, so it is no point.
    expect(pythonInt('99999999999999999999')).toBeNull();
  });
});
