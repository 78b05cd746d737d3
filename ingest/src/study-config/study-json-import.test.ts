import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonPath } from './problems.ts';
import { planImport } from './study-json-import.ts';

const all = { deviceSettings: true, surveys: true, timezone: true };
const beiweExport = () =>
  JSON.parse(readFileSync(new URL('./fixtures/beiwe-study-export.json', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

describe('reading a Beiwe study file (spec §7.1)', () => {
  it('plans a realistic Beiwe export: settings, surveys with their three kinds of schedule, interventions, zone', () => {
    const result = planImport(beiweExport(), [], all);
    if (!('plan' in result)) throw new Error(JSON.stringify(result.problems, null, 2));
    const { plan } = result;
    expect(plan.interventions).toEqual(['Surgery', 'Discharge']);
    expect(plan.timeZone).toBe('America/New_York');
    expect(plan.deviceSettings).toMatchObject({ gps: false, accelerometer_frequency: 5, proximity: true });
    expect(plan.surveys.map((s) => [s.surveyType, s.name])).toEqual([
      ['tracking_survey', 'Morning check-in'],
      ['audio_survey', 'Evening voice diary'],
      ['tracking_survey', ''],
    ]);
    const [morning, voice] = plan.surveys;
    expect(morning?.content).toHaveLength(10);
    expect(morning?.weekly).toEqual([
      ...[0, 1, 2, 3, 4, 5].map((day) => ({ day, hour: 9, minute: 0 })),
      { day: 6, hour: 10, minute: 0 },
      { day: 6, hour: 9, minute: 0 },
    ]);
    // 30630 s is 08:30:30: Beiwe keeps hour and minute only.
    expect(morning?.absolute).toEqual([
      { date: '2026-12-24', hour: 18, minute: 0 },
      { date: '2026-11-30', hour: 8, minute: 30 },
    ]);
    expect(morning?.relative).toEqual([
      { intervention: 'Surgery', daysAfter: 1, hour: 12, minute: 0 },
      { intervention: 'Surgery', daysAfter: -1, hour: 19, minute: 0 },
      { intervention: 'Discharge', daysAfter: 7, hour: 10, minute: 0 },
    ]);
    expect(voice?.settings).toEqual({
      trigger_on_first_download: true,
      audio_survey_type: 'raw',
      always_available: true,
      sample_rate: 16000,
    });
    expect(plan.skipped).toEqual([]);
  });

  it('accepts what older Beiwe files carry: database keys, a JSON-string consent_sections, null content, no zone', () => {
    const file = beiweExport();
    const settings = file.device_settings as Record<string, unknown>;
    settings.id = 12;
    settings.consent_sections = JSON.stringify(settings.consent_sections);
    const surveys = file.surveys as Record<string, unknown>[];
    Object.assign(surveys[2]!, { _id: 'abc', object_id: 'x'.repeat(24), deleted: false, content: null });
    surveys.push({ survey_type: 'image_survey', content: [], settings: {} });
    delete file.study_time_zone;
    const result = planImport(file, [], all);
    if (!('plan' in result)) throw new Error(JSON.stringify(result.problems, null, 2));
    expect(result.plan.deviceSettings?.consent_sections).toMatchObject({ welcome: { text: 'Welcome to the study.' } });
    expect(result.plan.surveys[2]?.content).toEqual([]);
    expect(result.plan.timeZone).toBeNull();
    expect(result.plan.skipped).toEqual([
      { field: '$.surveys[3]', message: expect.stringMatching(/image surveys/) as string },
    ]);
  });

  it('names interventions from very old files (database keys) as Beiwe does, and merges with existing ones', () => {
    const file = beiweExport();
    const survey = (file.surveys as Record<string, unknown>[])[0]!;
    survey.relative_timings = [
      [41, 2, 3600],
      [17, 0, 0],
      [41, 3, 0],
    ];
    file.interventions = [];
    const result = planImport(file, ['Intervention 0'], all);
    if (!('plan' in result)) throw new Error(JSON.stringify(result.problems));
    expect(result.plan.interventions).toEqual(['Intervention 0', 'Intervention 1']);
    expect(result.plan.surveys[0]?.relative.map((r) => [r.intervention, r.daysAfter])).toEqual([
      ['Intervention 0', 2],
      ['Intervention 1', 0],
      ['Intervention 0', 3],
    ]);
  });

  it('lists every problem of a bad file, each at its JSON path', () => {
    const bad = {
      surveys: [
        {
          survey_type: 'tracking_survey',
          content: [
            { question_id: 'a', question_text: 'x', question_type: 'slider', min: 3, max: 1 },
            { question_id: 'b', question_text: 'y', question_type: 'info_text_box', display_if: { '>': ['c', 1] } },
          ],
          settings: { randomize: 'yes' },
          timings: [[90000], [], [], [], [], []],
          absolute_timings: [[2026, 2, 30, 0]],
          relative_timings: [['Nope', 1, 0]],
          colour: 'red',
        },
        { survey_type: 'video_survey', content: [] },
        'not a survey',
      ],
      device_settings: {
        gps: 'yes',
        wifi_log_frequency_seconds: 5,
        accelerometer_frequency: 2.5,
        unknown_setting: 1,
        id: 7,
      },
      interventions: ['Surgery'],
      study_time_zone: 'Mars/Olympus',
      extra: true,
    };
    const result = planImport(bad, [], all);
    if (!('problems' in result)) throw new Error('expected problems');
    expect(result.problems.map((p) => p.field).sort()).toEqual(
      [
        '$.extra',
        '$.study_time_zone',
        '$.device_settings.gps',
        '$.device_settings.wifi_log_frequency_seconds',
        '$.device_settings.accelerometer_frequency',
        '$.device_settings.unknown_setting',
        '$.surveys[0].content[0].max',
        '$.surveys[0].content[1].display_if[">"][0]',
        '$.surveys[0].settings.randomize',
        '$.surveys[0].timings',
        '$.surveys[0].timings[0][0]',
        '$.surveys[0].absolute_timings[0]',
        '$.surveys[0].relative_timings[0][0]',
        '$.surveys[0].colour',
        '$.surveys[1].survey_type',
        '$.surveys[2]',
      ].sort()
    );
    const message = (field: string) => result.problems.find((p) => p.field === field)?.message;
    expect(message('$.device_settings.wifi_log_frequency_seconds')).toBe('must be at least 10');
    expect(message('$.surveys[0].content[1].display_if[">"][0]')).toBe(
      'question "b": refers to question "c", which is not in this survey'
    );
    expect(message('$.surveys[0].relative_timings[0][0]')).toBe(
      'no intervention named "Nope": list it in $.interventions'
    );
  });

  it('checks only the parts being imported', () => {
    const file = beiweExport();
    (file.device_settings as Record<string, unknown>).gps = 'yes';
    expect('problems' in planImport(file, [], all)).toBe(true);
    const result = planImport(file, [], { deviceSettings: false, surveys: true, timezone: false });
    expect('plan' in result && result.plan.deviceSettings === null && result.plan.timeZone === null).toBe(true);
  });

  it('refuses what is not a study file', () => {
    expect(planImport([1, 2], [], all)).toEqual({ problems: [{ field: '$', message: expect.any(String) as string }] });
  });
});

describe('JSON paths', () => {
  it('use dots for names, brackets for indices and quoted brackets for other keys', () => {
    expect(jsonPath(['surveys', 0, 'content', 2, 'display_if', 'and', 1, '<=', 0])).toBe(
      '$.surveys[0].content[2].display_if.and[1]["<="][0]'
    );
  });
});
