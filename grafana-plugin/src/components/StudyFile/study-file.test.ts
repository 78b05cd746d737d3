import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../DeviceSettingsForm/device-settings-fields.ts';
import { describeFilePath, previewImport, studyFileName } from './study-file.ts';

const file = { surveys: [{ name: 'Mood', survey_type: 'tracking_survey', content: [] }] };
const current = { settings: defaultSettings() as never, interventions: ['Surgery'], timezone: 'UTC' };
const all = { deviceSettings: true, surveys: true, timezone: true };

describe('the study file in the browser', () => {
  it('names the download as Beiwe does', () => {
    expect(studyFileName('Sleep study (2026)')).toBe('Sleep_study_2026_surveys_and_settings.json');
    expect(studyFileName('***')).toBe('study_surveys_and_settings.json');
  });

  it('puts a problem’s JSON path into words', () => {
    expect(describeFilePath('$.surveys[0].content[2].display_if.and[0]["<"]', file)).toBe(
      'Survey 1 “Mood” › question 3 › skip logic'
    );
    expect(describeFilePath('$.surveys[3].content[0].answers[1].text', file)).toBe(
      'Survey 4 › question 1 › answer 2 › text'
    );
    expect(describeFilePath('$.surveys[0].timings', file)).toBe('Survey 1 “Mood” › weekly times');
    expect(describeFilePath('$.device_settings.wifi_log_frequency_seconds', file)).toBe(
      'Device settings › Wi-Fi scan interval'
    );
    expect(describeFilePath('$.device_settings.consent_sections.data_use.more', file)).toBe(
      'Device settings › consent section Data use › more'
    );
    expect(describeFilePath('$.interventions[1]', file)).toBe('Intervention 2');
    expect(describeFilePath('$.study_time_zone', file)).toBe('Time zone');
    expect(describeFilePath('$', file)).toBe('The file');
  });

  it('previews only what differs, and only the parts chosen', () => {
    const raw = {
      device_settings: {
        gps: true,
        gps_off_duration_seconds: 30,
        consent_sections: '{"welcome":{"text":"Hi","more":""}}',
      },
      surveys: [{ survey_type: 'audio_survey', content: [{ prompt: 'x' }] }],
      interventions: ['Surgery', ' Discharge ', 'Discharge'],
      study_time_zone: 'UTC',
    };
    const preview = previewImport(raw, current, all);
    expect(preview).toEqual({
      settingChanges: [
        { key: 'gps_off_duration_seconds', label: 'GPS off', before: '600', after: '30' },
        { key: 'consent_sections', label: 'Consent sections', before: 'changed texts', after: 'changed texts' },
      ],
      surveys: [{ name: '(unnamed)', kind: 'audio recording' }],
      newInterventions: ['Discharge'],
      timezone: null,
    });
    // Interventions are merged whatever the parts, as Beiwe does.
    expect(previewImport(raw, current, { deviceSettings: false, surveys: false, timezone: true })).toMatchObject({
      settingChanges: [],
      surveys: [],
      newInterventions: ['Discharge'],
    });
    expect(previewImport([1, 2], current, all)).toHaveProperty('notAFile');
  });
});
