import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonPath } from './problems.ts';
import { planImport } from './study-json-import.ts';

const all = { deviceSettings: true, surveys: true, timezone: true, measurements: true, sourcePriorities: true };
const none = { deviceSettings: false, surveys: false, timezone: false, measurements: false, sourcePriorities: false };
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
    expect([plan.extra, plan.deviceSettingsExtra, plan.surveys.map((s) => s.extra)]).toEqual([{}, {}, [{}, {}, {}]]);
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
    // Kept as given (Beiwe's phones no longer get image surveys; Vigil's never do).
    expect(result.plan.surveys[3]).toMatchObject({ surveyType: 'image_survey', content: [], settings: {}, extra: {} });
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
        { survey_type: 'a_very_long_survey_type', content: {}, settings: {} },
        { content: [], settings: {} },
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
        '$.study_time_zone',
        '$.device_settings.gps',
        '$.device_settings.wifi_log_frequency_seconds',
        '$.device_settings.accelerometer_frequency',
        '$.surveys[0].content[0].max',
        '$.surveys[0].content[1].display_if[">"][0]',
        '$.surveys[0].settings.randomize',
        '$.surveys[0].timings',
        '$.surveys[0].timings[0][0]',
        '$.surveys[0].absolute_timings[0]',
        '$.surveys[0].relative_timings[0][0]',
        '$.surveys[1].settings',
        '$.surveys[2]',
        '$.surveys[3].survey_type',
        '$.surveys[4].survey_type',
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

  it('checks only the parts being imported, and merges the interventions whatever the parts', () => {
    const file = beiweExport();
    (file.device_settings as Record<string, unknown>).gps = 'yes';
    expect('problems' in planImport(file, [], all)).toBe(true);
    const result = planImport(file, [], { ...none, surveys: true });
    expect('plan' in result && result.plan.deviceSettings === null && result.plan.timeZone === null).toBe(true);
    const nothing = planImport(file, [], none);
    if (!('plan' in nothing)) throw new Error(JSON.stringify(nothing.problems));
    expect([nothing.plan.interventions, nothing.plan.surveys]).toEqual([['Surgery', 'Discharge'], []]);
  });

  it('keeps what it does not understand, as given: unknown keys of the file, of a survey, of the device settings', () => {
    const file = beiweExport();
    file.exported_by = { server: 'beiwe.example.org', version: 42 };
    Object.assign(file.device_settings as Record<string, unknown>, { omniring: true, ios_plist: { a: [1] } });
    Object.assign((file.surveys as Record<string, unknown>[])[1]!, { colour: 'red', notify: null });
    (file.surveys as unknown[]).push({ survey_type: 'dummy', content: { any: 'json' }, settings: 3, name: 'D' });
    const result = planImport(file, [], all);
    if (!('plan' in result)) throw new Error(JSON.stringify(result.problems, null, 2));
    const { plan } = result;
    expect(plan.extra).toEqual({ exported_by: { server: 'beiwe.example.org', version: 42 } });
    expect(plan.deviceSettingsExtra).toEqual({ omniring: true, ios_plist: { a: [1] } });
    expect(plan.deviceSettings).not.toHaveProperty('omniring');
    expect(plan.surveys.map((s) => s.extra)).toEqual([{}, { colour: 'red', notify: null }, {}, {}]);
    expect(plan.surveys[3]).toMatchObject({ surveyType: 'dummy', content: { any: 'json' }, settings: 3, name: 'D' });
  });

  it('accepts radio and checkbox questions with an empty answer list, as Beiwe stores them', () => {
    const file = beiweExport();
    const morning = (file.surveys as { content: Record<string, unknown>[] }[])[0]!;
    const choices = morning.content.filter((q) => q.question_type === 'radio_button' || q.question_type === 'checkbox');
    expect(choices.length).toBeGreaterThan(1);
    for (const q of choices) q.answers = [];
    const result = planImport(file, [], all);
    if (!('plan' in result)) throw new Error(JSON.stringify(result.problems, null, 2));
    expect(result.plan.surveys[0]?.content).toEqual(morning.content);
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
