import React from 'react';
import { screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aStudy } from '../../tests/fixtures.ts';
import { ingestError, installFakeBackend, signInAs, type FakeBackend } from '../../tests/fake-backend.ts';
import { renderAt } from '../../tests/render.tsx';
import { defaultSettings } from '../components/DeviceSettingsForm/device-settings-fields.ts';
import { testIds } from '../components/testIds.ts';
import { readText } from '../components/StudyFile/study-file.ts';
import StudyFilePage from './StudyFilePage.tsx';

const renderPage = () =>
  renderAt(<StudyFilePage />, { route: 'studies/:studyId/study-file', path: '/studies/1/study-file' });

const studyFile = {
  surveys: [
    {
      name: 'Mood',
      survey_type: 'tracking_survey',
      content: [
        { question_id: 'a', question_type: 'slider', question_text: 'Mood?', min: 0, max: 10 },
        { question_id: 'b', question_type: 'info_text_box', question_text: 'Thanks', display_if: { '<': ['a', 3] } },
      ],
      settings: {},
      timings: [[], [32400], [], [], [], [], []],
    },
    { name: 'Photo', survey_type: 'image_survey', content: [], settings: {} },
  ],
  device_settings: { _id: 'old', gps_off_duration_seconds: 300, gyro: false },
  interventions: ['Surgery', 'Discharge'],
  study_time_zone: 'America/New_York',
  wearable_measurements: ['heart_rate', 'sleep', 'ecg'],
  wearable_source_priorities: { steps: [{ source: 'phone' }, { source: 'fitbit', device: 'Charge 6' }] },
};
const jsonFile = (content: string, name = 'Other_study_surveys_and_settings.json') =>
  new File([content], name, { type: 'application/json' });

describe('StudyFilePage (Beiwe study file import and export)', { timeout: 20_000 }, () => {
  let backend: FakeBackend;
  beforeEach(() => {
    signInAs('Admin');
    backend = installFakeBackend()
      .on('GET', '/studies/1', { body: aStudy() })
      .on('GET', '/studies/1/device-settings', {
        body: { studyId: 1, version: 0, settings: defaultSettings(), createdAt: null, createdBy: null },
      })
      .on('GET', '/studies/1/interventions', { body: { items: [{ id: 3, studyId: 1, name: 'Surgery' }] } })
      .on('GET', '/studies/1/measurements', {
        body: {
          studyId: 1,
          measurements: ['heart_rate', 'sleep', 'activity'],
          chosen: true,
          catalogue: [
            { id: 'heart_rate', label: 'Heart rate', providers: ['fitbit'], optIn: false },
            { id: 'activity', label: 'Steps & activity', providers: ['fitbit'], optIn: false },
            { id: 'sleep', label: 'Sleep', providers: ['fitbit'], optIn: false },
            { id: 'ecg', label: 'ECG', providers: ['fitbit'], optIn: true },
          ],
        },
      })
      .on('GET', '/studies/1/source-priority', {
        body: {
          studyId: 1,
          priorities: { steps: [], sleep: [{ source: 'polar' }] },
          defaultOrder: { steps: ['fitbit', 'withings', 'polar', 'phone'], sleep: ['fitbit', 'withings', 'polar'] },
        },
      });
  });
  afterEach(() => vi.restoreAllMocks());

  it('downloads the study file under Beiwe’s name', async () => {
    backend.on('GET', '/studies/1/export', { body: studyFile });
    const blobs: Blob[] = [];
    URL.createObjectURL = (blob: Blob) => {
      blobs.push(blob);
      return 'blob:study-file';
    };
    URL.revokeObjectURL = () => undefined;
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    const { user } = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Download study file' }));

    await vi.waitFor(() => expect(clicked).toHaveLength(1));
    expect(clicked[0]!.download).toBe('Sleep_study_surveys_and_settings.json');
    expect(clicked[0]!.href).toBe('blob:study-file');
    expect(JSON.parse(await readText(blobs[0]!))).toEqual(studyFile);
  });

  it('shows what an import will change, imports the parts chosen, and says what it did', async () => {
    backend.on('POST', '/studies/1/import', {
      body: {
        deviceSettingsVersion: 1,
        surveys: [{ id: 9, objectId: 'x', surveyType: 'tracking_survey', name: 'Mood' }],
        interventionsAdded: ['Discharge'],
        timezone: null,
        measurements: { before: ['heart_rate', 'activity', 'sleep'], after: ['heart_rate', 'sleep', 'ecg'] },
        sourcePriorities: {
          before: { sleep: [{ source: 'polar' }] },
          after: { steps: [{ source: 'phone' }, { source: 'fitbit', device: 'Charge 6' }] },
        },
        notServed: [
          {
            field: '$.surveys[1]',
            message: 'a survey of type "image_survey": kept for the export; phones do not get it',
          },
        ],
      },
    });
    const { user } = renderPage();
    await user.upload(await screen.findByLabelText('Choose a study file'), jsonFile(JSON.stringify(studyFile)));

    const preview = await screen.findByTestId(testIds.studyFile.preview);
    expect(within(preview).getByText('GPS off: 600 → 300')).toBeInTheDocument();
    expect(within(preview).queryByText(/Gyroscope/)).not.toBeInTheDocument();
    expect(within(preview).getByText('New survey Mood (2 questions)')).toBeInTheDocument();
    expect(
      within(preview).getByText('New survey Photo (image_survey: kept in the study file, phones do not get it)')
    ).toBeInTheDocument();
    expect(within(preview).getByText('New intervention Discharge')).toBeInTheDocument();
    expect(within(preview).getByText('Time zone: Europe/London → America/New_York')).toBeInTheDocument();
    expect(within(preview).getByText('Wearable measurements: starts ECG; stops Steps & activity')).toBeInTheDocument();
    expect(
      within(preview).getByText('Source priority of Steps: default order → Phone, Fitbit "Charge 6"')
    ).toBeInTheDocument();
    expect(within(preview).getByText('Source priority of Sleep sessions: Polar → default order')).toBeInTheDocument();

    await user.click(within(preview).getByLabelText('Time zone'));
    expect(within(preview).queryByText(/Time zone: /)).not.toBeInTheDocument();
    await user.click(within(preview).getByRole('button', { name: 'Import' }));

    const done = await screen.findByText('Imported the study file');
    const alert = done.closest('[role="status"], [role="alert"]') ?? done.parentElement!.parentElement!;
    expect(within(alert as HTMLElement).getByText('Saved the device settings as version 1.')).toBeInTheDocument();
    expect(within(alert as HTMLElement).getByText('Added survey Mood.')).toBeInTheDocument();
    expect(within(alert as HTMLElement).getByText('Added intervention Discharge.')).toBeInTheDocument();
    expect(
      within(alert as HTMLElement).getByText('Changed the wearable measurements to heart_rate, sleep, ecg.')
    ).toBeInTheDocument();
    expect(
      within(alert as HTMLElement).getByText('Changed the source priority of Sleep sessions, Steps.')
    ).toBeInTheDocument();
    expect(
      within(alert as HTMLElement).getByText(
        'Survey 2: A survey of type "image_survey": kept for the export; phones do not get it.'
      )
    ).toBeInTheDocument();
    expect(backend.changes()).toEqual([
      expect.objectContaining({
        path: '/studies/1/import',
        query: {
          deviceSettings: 'true',
          surveys: 'true',
          timezone: 'false',
          measurements: 'true',
          sourcePriorities: 'true',
        },
        body: studyFile,
      }),
    ]);
  });

  it('lists the ingest’s problems with the file, each where it is in words', async () => {
    backend.on(
      'POST',
      '/studies/1/import',
      ingestError(400, 'INVALID_INPUT', 'the study file has 2 problems; nothing was imported', [
        {
          field: '$.surveys[0].content[1].display_if["<"][0]',
          message: 'question "b": refers to question "a", which does not come before it',
        },
        { field: '$.device_settings.gps_off_duration_seconds', message: 'must be at least 1' },
      ])
    );
    const { user } = renderPage();
    await user.upload(await screen.findByLabelText('Choose a study file'), jsonFile(JSON.stringify(studyFile)));
    await user.click(await screen.findByRole('button', { name: 'Import' }));

    expect(await screen.findByText('The file was not imported: it has 2 problems')).toBeInTheDocument();
    expect(screen.getByText('Survey 1 “Mood” › question 2 › skip logic')).toBeInTheDocument();
    expect(
      screen.getByText(': Refers to question "a", which does not come before it.', { exact: false })
    ).toBeInTheDocument();
    expect(screen.getByText('Device settings › GPS off')).toBeInTheDocument();
    expect(screen.queryByText(/\$\./)).not.toBeInTheDocument();
  });

  it('says so when the file is not JSON, before sending anything', async () => {
    const { user } = renderPage();
    await user.upload(await screen.findByLabelText('Choose a study file'), jsonFile('{"surveys": [', 'broken.json'));
    expect(await screen.findByText(/^broken\.json is not a JSON file/)).toBeInTheDocument();
    expect(backend.changes()).toEqual([]);
  });

  it('lets a Viewer export and preview but not import', async () => {
    signInAs('Viewer');
    const { user } = renderPage();
    expect(await screen.findByRole('button', { name: 'Download study file' })).toBeEnabled();
    await user.upload(screen.getByLabelText('Choose a study file'), jsonFile(JSON.stringify(studyFile)));
    const preview = await screen.findByTestId(testIds.studyFile.preview);
    expect(within(preview).getByRole('button', { name: 'Import' })).toBeDisabled();
    expect(
      within(preview).getByLabelText('Only organisation Admins can change this; you are a Viewer.')
    ).toBeInTheDocument();
  });
});
