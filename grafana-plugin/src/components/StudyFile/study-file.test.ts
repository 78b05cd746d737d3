import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../DeviceSettingsForm/device-settings-fields.ts';
import { describeFilePath, previewImport, studyFileName } from './study-file.ts';

const file = { surveys: [{ name: 'Mood', survey_type: 'tracking_survey', content: [] }] };
const current = {
  settings: defaultSettings() as never,
  interventions: ['Surgery'],
  timezone: 'UTC',
  measurements: {
    chosen: ['heart_rate', 'sleep'],
    labels: new Map([
      ['heart_rate', 'Heart rate'],
      ['sleep', 'Sleep'],
      ['ecg', 'ECG'],
    ]),
  },
  sourcePriorities: { steps: [], sleep: [{ source: 'polar' }], workouts: [] },
};
const all = { deviceSettings: true, surveys: true, timezone: true, measurements: true, sourcePriorities: true };

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
    expect(describeFilePath('$.wearable_measurements[2]', file)).toBe('Wearable measurement 3');
    expect(describeFilePath('$.wearable_source_priorities.sleep[1].source', file)).toBe(
      'Source priority › Sleep sessions › entry 2 › source'
    );
    expect(describeFilePath('$.wearable_source_priorities.naps', file)).toBe('Source priority › naps');
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
      measurements: null,
      sourcePriorities: [],
    });
    // Interventions are merged whatever the parts, as Beiwe does.
    expect(
      previewImport(raw, current, {
        deviceSettings: false,
        surveys: false,
        timezone: true,
        measurements: true,
        sourcePriorities: true,
      })
    ).toMatchObject({
      settingChanges: [],
      surveys: [],
      newInterventions: ['Discharge'],
    });
    expect(previewImport([1, 2], current, all)).toHaveProperty('notAFile');
  });

  it('previews the wearable measurements the study would start and stop collecting, by label', () => {
    const raw = { wearable_measurements: ['sleep', 'ecg', 'ecg'] };
    expect(previewImport(raw, current, all)).toMatchObject({
      measurements: { added: ['ECG'], removed: ['Heart rate'] },
    });
    expect(previewImport(raw, current, { ...all, measurements: false })).toMatchObject({ measurements: null });
    // The same choice, and a Beiwe file without the key: nothing.
    expect(previewImport({ wearable_measurements: ['sleep', 'heart_rate'] }, current, all)).toMatchObject({
      measurements: null,
      sourcePriorities: [],
    });
    expect(previewImport({}, current, all)).toMatchObject({ measurements: null });
  });

  it('previews each source list the file would change, in words; a list it leaves out goes back to the default order', () => {
    const raw = {
      wearable_source_priorities: { steps: [{ source: 'phone' }, { source: 'fitbit', device: 'Charge 6' }] },
    };
    expect(previewImport(raw, current, all)).toMatchObject({
      sourcePriorities: [
        { measurement: 'steps', label: 'Steps', before: 'default order', after: 'Phone, Fitbit "Charge 6"' },
        { measurement: 'sleep', label: 'Sleep sessions', before: 'Polar', after: 'default order' },
      ],
    });
    expect(previewImport(raw, current, { ...all, sourcePriorities: false })).toMatchObject({ sourcePriorities: [] });
    // The same lists (an empty one is the default order too), and a Beiwe file without the key: nothing.
    const same = { wearable_source_priorities: { sleep: [{ source: 'polar' }], workouts: [] } };
    expect(previewImport(same, current, all)).toMatchObject({ sourcePriorities: [] });
    expect(previewImport({}, current, all)).toMatchObject({ sourcePriorities: [] });
  });
});
