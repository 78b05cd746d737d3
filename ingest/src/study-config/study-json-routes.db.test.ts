import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { auditRowsFor, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer, jsonBody, test, withoutSecret } from '../test/fixtures.ts';
import { findSourcePriorities, saveSourcePriorities } from '../source-priority/store.ts';
import { findStudyMeasurements, saveStudyMeasurements } from '../study-measurements/store.ts';
import { DEFAULT_MEASUREMENTS } from '../wearables/measurements.ts';
import { surveysForPhone } from './phone-surveys.ts';

const fixtureText = readFileSync(new URL('./fixtures/beiwe-study-export.json', import.meta.url), 'utf8');
const beiweExport = () => JSON.parse(fixtureText) as Record<string, unknown>;
/** A file with what real Beiwe files carry and Vigil does not serve: empty answer lists, other survey types, unknown keys. */
const unusualText = readFileSync(new URL('./fixtures/beiwe-study-export-unusual.json', import.meta.url), 'utf8');
/** Every part: the flags default to no, as Beiwe's form fields do. */
const ALL = '?deviceSettings=true&surveys=true&timezone=true&measurements=true&sourcePriorities=true';
/** The multipart boundary goes in the content type fetch sets itself. */
const formHeaders = Object.fromEntries(Object.entries(asAdmin).filter(([k]) => k !== 'content-type'));
const beiweForm = (text: string, fields: Record<string, string>) => {
  const form = new FormData();
  form.set('upload', new File([text], 'Beiwe_Study_surveys_and_settings.json', { type: 'application/json' }));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
};

type ErrorJson = { error: { code: string; message: string; fields?: { field: string; message: string }[] } };
type ImportJson = {
  deviceSettingsVersion: number | null;
  surveys: { id: number; objectId: string; surveyType: string; name: string }[];
  interventionsAdded: string[];
  timezone: { before: string; after: string } | null;
  measurements: { before: string[]; after: string[] } | null;
  sourcePriorities: { before: unknown; after: unknown } | null;
};

type App = { request(path: string, init: RequestInit): Response | Promise<Response> };

/** Imports `text` into the study, as a JSON body with query flags or as Beiwe's form with its fields. */
async function importText(
  app: App,
  studyId: number,
  text: string,
  how: { query: string } | { form: Record<string, string> }
): Promise<ImportJson> {
  const res = await app.request(`/api/v1/studies/${studyId}/import${'query' in how ? how.query : ''}`, {
    method: 'POST',
    headers: 'query' in how ? asAdmin : formHeaders,
    body: 'query' in how ? text : beiweForm(text, how.form),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as ImportJson;
}

/** Beiwe's own files, which carry none of Vigil's keys, imported with every part asked for. */
async function importBeiweFiles(app: App, studyId: number): Promise<ImportJson[]> {
  const answers: ImportJson[] = [];
  for (const text of [fixtureText, unusualText]) answers.push(await importText(app, studyId, text, { query: ALL }));
  return answers;
}

/** Everything an import could change in a study. */
async function snapshot(db: Knex, studyId: number) {
  const count = async (table: string, where: Record<string, number>) =>
    Number(((await db(table).where(where).count({ n: '*' })) as { n: number }[])[0]?.n);
  return {
    surveys: await count('surveys', { study_id: studyId }),
    settings: await count('device_settings_versions', { study_id: studyId }),
    interventions: await count('interventions', { study_id: studyId }),
    audit: await count('audit_log', { study_id: studyId }),
    timezone: ((await db('studies').where({ id: studyId }).first('timezone')) as { timezone: string }).timezone,
    measurements: await findStudyMeasurements(db, studyId),
    sourcePriorities: await findSourcePriorities(db, studyId),
  };
}

describe('POST /api/v1/studies/:id/import', () => {
  test('imports a realistic Beiwe export: settings, surveys, schedules, interventions, time zone; audited', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/import${ALL}`, {
      method: 'POST',
      headers: asAdmin,
      body: fixtureText,
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as ImportJson;
    expect(result).toMatchObject({
      deviceSettingsVersion: 1,
      interventionsAdded: ['Surgery', 'Discharge'],
      timezone: { before: 'UTC', after: 'America/New_York' },
    });
    expect(result.surveys.map((s) => [s.surveyType, s.name])).toEqual([
      ['tracking_survey', 'Morning check-in'],
      ['audio_survey', 'Evening voice diary'],
      ['tracking_survey', ''],
    ]);

    const settings = (await (
      await app.request(`/api/v1/studies/${study.id}/device-settings`, { headers: asViewer })
    ).json()) as { settings: Record<string, unknown> };
    expect(settings.settings).toMatchObject({
      gps: false,
      accelerometer_frequency: 5,
      call_clinician_button_text: 'Call the study nurse',
    });
    const morning = (await (
      await app.request(`/api/v1/surveys/${result.surveys[0]!.id}`, { headers: asViewer })
    ).json()) as {
      schedules: { weekly: unknown[]; absolute: unknown[]; relative: { intervention: string; daysAfter: number }[] };
      content: unknown[];
    };
    expect(morning.content).toHaveLength(10);
    expect(morning.schedules.weekly).toHaveLength(8);
    expect(morning.schedules.absolute).toEqual([
      { date: '2026-11-30', hour: 8, minute: 30 },
      { date: '2026-12-24', hour: 18, minute: 0 },
    ]);
    expect(morning.schedules.relative.map((r) => [r.intervention, r.daysAfter])).toEqual([
      ['Surgery', -1],
      ['Surgery', 1],
      ['Discharge', 7],
    ]);
    const audits = await auditRowsFor(db, 'study', study.id);
    expect(audits.map((a) => a.action)).toEqual(['study.update', 'study.import']);
    expect(await auditRowsFor(db, 'survey', result.surveys[1]!.id)).toMatchObject([{ action: 'survey.import' }]);
  });

  test('round trip: export → import into a new study → export is identical', async ({ app, db }) => {
    const source = await insertStudy(db);
    await app.request(`/api/v1/studies/${source.id}/import${ALL}`, {
      method: 'POST',
      headers: asAdmin,
      body: fixtureText,
    });
    const exportOf = async (id: number) => {
      const res = await app.request(`/api/v1/studies/${id}/export`, { headers: asViewer });
      expect(res.status).toBe(200);
      return res.text();
    };
    const first = await exportOf(source.id);
    const copy = await insertStudy(db);
    const imported = await app.request(`/api/v1/studies/${copy.id}/import${ALL}`, {
      method: 'POST',
      headers: asAdmin,
      body: first,
    });
    expect(imported.status).toBe(200);
    expect(await exportOf(copy.id)).toBe(first);
  });

  test('the export is in Beiwe’s format: the keys its import reads, and Vigil’s wearable keys, which it ignores', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db, { name: 'My Study' });
    await app.request(`/api/v1/studies/${study.id}/import${ALL}`, {
      method: 'POST',
      headers: asAdmin,
      body: fixtureText,
    });
    const res = await app.request(`/api/v1/studies/${study.id}/export`, { headers: asViewer });
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="My_Study_surveys_and_settings.json"');
    const file = (await res.json()) as Record<string, unknown> & {
      surveys: Record<string, unknown>[];
      device_settings: Record<string, unknown>;
    };
    const fixture = beiweExport();
    // Beiwe's import (`unpack_json_study`) pops surveys, device_settings and interventions and drops
    // every other key, so Vigil's wearable keys cost a Beiwe import nothing.
    expect(Object.keys(file)).toEqual([
      'surveys',
      'device_settings',
      'interventions',
      'study_time_zone',
      'wearable_measurements',
      'wearable_source_priorities',
    ]);
    expect(file.wearable_measurements).toEqual(DEFAULT_MEASUREMENTS);
    // No lists: every measurement in the default order.
    expect(file.wearable_source_priorities).toEqual({});
    expect(Object.keys(file.device_settings).sort()).toEqual(
      Object.keys(fixture.device_settings as Record<string, unknown>).sort()
    );
    expect(file.device_settings).toEqual(fixture.device_settings);
    for (const survey of file.surveys) {
      expect(Object.keys(survey)).toEqual([
        'content',
        'survey_type',
        'settings',
        'name',
        'timings',
        'absolute_timings',
        'relative_timings',
      ]);
    }
    const [morning, voice] = file.surveys;
    expect(morning?.timings).toEqual([[32400], [32400], [32400], [32400], [32400], [32400], [32400, 36000]]);
    expect(morning?.absolute_timings).toEqual([
      [2026, 11, 30, 30600],
      [2026, 12, 24, 64800],
    ]);
    expect(morning?.relative_timings).toEqual([
      ['Surgery', -1, 68400],
      ['Surgery', 1, 43200],
      ['Discharge', 7, 36000],
    ]);
    expect(voice?.content).toEqual([{ prompt: 'Please describe how your day went, in your own words.' }]);
    expect(file.interventions).toEqual(['Surgery', 'Discharge']);
    expect(file.study_time_zone).toBe('America/New_York');
  });

  test('a bad file answers every problem with its JSON path and changes nothing', async ({ app, db }) => {
    const study = await insertStudy(db);
    const before = await snapshot(db, study.id);
    const file = beiweExport();
    const settings = file.device_settings as Record<string, unknown>;
    settings.heartbeat_timer_minutes = 5;
    settings.gps = 'false';
    const surveys = file.surveys as Record<string, unknown>[];
    (surveys[0]!.relative_timings as unknown[]).push(['Chemo', 1, 0]);
    (surveys[0]!.content as Record<string, unknown>[])[1]!.display_if = { '~': ['x', 1] };
    surveys[1]!.survey_type = 'a_very_long_survey_type';
    file.wearable_measurements = ['sleep', 'steps'];
    file.wearable_source_priorities = { sleep: [{ source: 'withings' }, { source: 'garmin' }] };
    const res = await app.request(`/api/v1/studies/${study.id}/import${ALL}`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody(file),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorJson;
    expect(error.message).toBe('the study file has 7 problems; nothing was imported');
    expect(error.fields?.map((f) => f.field).sort()).toEqual(
      [
        '$.device_settings.heartbeat_timer_minutes',
        '$.device_settings.gps',
        '$.surveys[0].relative_timings[3][0]',
        '$.surveys[0].content[1].display_if["~"]',
        '$.surveys[1].survey_type',
        '$.wearable_measurements[1]',
        '$.wearable_source_priorities.sleep[1].source',
      ].sort()
    );
    expect(error.fields?.find((f) => f.field === '$.wearable_source_priorities.sleep[1].source')?.message).toBe(
      '"garmin" is not a source of sleep (known: fitbit, withings, polar)'
    );
    expect(error.fields?.find((f) => f.field === '$.wearable_measurements[1]')?.message).toMatch(
      /^is not a measurement; known: heart_rate, activity, /
    );
    expect(await snapshot(db, study.id)).toEqual(before);

    const notJson = await app.request(`/api/v1/studies/${study.id}/import`, {
      method: 'POST',
      headers: asAdmin,
      body: '{',
    });
    expect(((await notJson.json()) as ErrorJson).error.fields?.[0]?.field).toBe('$');
    expect(await snapshot(db, study.id)).toEqual(before);
  });

  test('takes the file as Beiwe’s form sends it: a part only when its field is exactly "true"; interventions always', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/import`, {
      method: 'POST',
      headers: formHeaders,
      body: beiweForm(fixtureText, { device_settings: 'true', surveys: 'True' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      deviceSettingsVersion: 1,
      surveys: [],
      interventionsAdded: ['Surgery', 'Discharge'],
      timezone: null,
    });
    expect(await db('surveys').where({ study_id: study.id })).toHaveLength(0);

    const other = await insertStudy(db);
    const surveysOnly = await app.request(`/api/v1/studies/${other.id}/import`, {
      method: 'POST',
      headers: formHeaders,
      body: beiweForm(fixtureText, { surveys: 'true', device_settings: 'on' }),
    });
    expect(await surveysOnly.json()).toMatchObject({ deviceSettingsVersion: null, timezone: null });
    expect(await db('surveys').where({ study_id: other.id })).toHaveLength(3);
  });

  test('with no fields or flags, as in Beiwe, only the interventions are merged', async ({ app, db }) => {
    const study = await insertStudy(db);
    const before = await snapshot(db, study.id);
    const res = await app.request(`/api/v1/studies/${study.id}/import`, {
      method: 'POST',
      headers: asAdmin,
      body: fixtureText,
    });
    expect(await res.json()).toEqual({
      deviceSettingsVersion: null,
      surveys: [],
      interventionsAdded: ['Surgery', 'Discharge'],
      timezone: null,
      measurements: null,
      sourcePriorities: null,
      notServed: [],
    });
    const after = await snapshot(db, study.id);
    expect({ ...after, audit: before.audit }).toEqual({ ...before, interventions: 2 });
    // A flag still has to be true or false: it is Vigil's own API.
    const bad = await app.request(`/api/v1/studies/${study.id}/import?deviceSettings=yes`, {
      method: 'POST',
      headers: asAdmin,
      body: fixtureText,
    });
    expect([bad.status, ((await bad.json()) as ErrorJson).error.fields?.[0]]).toEqual([
      400,
      { field: 'deviceSettings', message: 'must be true or false' },
    ]);
  });

  test('round trip of a file with what Vigil does not serve: nothing lost; phones get only what they can show', async ({
    app,
    db,
    clock,
  }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/import`, {
      method: 'POST',
      headers: formHeaders,
      body: beiweForm(unusualText, { device_settings: 'true', surveys: 'true', timezone: 'true' }),
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as ImportJson & { notServed: { field: string }[] };
    expect(result.notServed.map((n) => n.field)).toEqual([
      '$.exported_from',
      '$.device_settings.omniring',
      '$.device_settings.omniring_on_duration_seconds',
      '$.device_settings.ios_plist_overrides',
      '$.surveys[2]',
      '$.surveys[3]',
      '$.surveys[4].notification_text',
      '$.surveys[4].priority',
    ]);
    const exportOf = async (id: number) =>
      (await (await app.request(`/api/v1/studies/${id}/export`, { headers: asViewer })).json()) as Record<
        string,
        unknown
      >;
    const exported = await exportOf(study.id);
    // Everything the Beiwe file held, and the study's wearable settings, which it did not.
    expect(exported).toEqual({
      ...(JSON.parse(unusualText) as object),
      wearable_measurements: DEFAULT_MEASUREMENTS,
      wearable_source_priorities: {},
    });

    // A later change of settings through the admin API keeps the unknown ones.
    const put = await app.request(`/api/v1/studies/${study.id}/device-settings`, {
      method: 'PUT',
      headers: asAdmin,
      body: JSON.stringify({ gps: false }),
    });
    expect(put.status).toBe(200);
    const again = await exportOf(study.id);
    expect(again.device_settings).toEqual({ ...(exported.device_settings as object), gps: false });

    // And into a second study: the export of the export is the same file.
    const copy = await insertStudy(db);
    await app.request(`/api/v1/studies/${copy.id}/import${ALL}`, {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify(again),
    });
    expect(await exportOf(copy.id)).toEqual(again);

    const phone = await surveysForPhone(db, { studyId: study.id, participantId: 0 }, clock());
    expect(phone.map((s) => [s.survey_type, s.name])).toEqual([
      ['tracking_survey', 'Daily check'],
      ['audio_survey', 'Weekly voice note'],
      ['tracking_survey', 'Follow-up'],
    ]);
    const daily = phone[0]!.content as Record<string, unknown>[];
    expect(daily.map((q) => q.question_type)).toEqual([
      'info_text_box',
      'info_text_box',
      'info_text_box',
      'slider',
      'free_response',
      'radio_button',
    ]);
    expect(daily[1]).toEqual({
      question_id: '5a7f7d0e-1f4b-4c0a-8a41-3b9e2d7c6f02',
      question_text: 'How was your day?',
      question_type: 'info_text_box',
      display_if: null,
      required: false,
    });
    expect(JSON.stringify(phone)).not.toMatch(/notification_text|omniring|exported_from/);
  });

  test('401 without secret, 403 for a Viewer, 404 unknown study, 409 deleted study; nothing imported', async ({
    app,
    db,
    clock,
  }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}/import`;
    expect((await app.request(url, { method: 'POST', headers: withoutSecret, body: fixtureText })).status).toBe(401);
    expect((await app.request(url, { method: 'POST', headers: asViewer, body: fixtureText })).status).toBe(403);
    expect((await app.request(`/api/v1/studies/${study.id}/export`, { headers: withoutSecret })).status).toBe(401);
    expect(
      (await app.request('/api/v1/studies/4000000000/import', { method: 'POST', headers: asAdmin, body: fixtureText }))
        .status
    ).toBe(404);
    expect((await app.request('/api/v1/studies/4000000000/export', { headers: asViewer })).status).toBe(404);
    const bad = await app.request(`${url}?surveys=maybe`, { method: 'POST', headers: asAdmin, body: fixtureText });
    expect(((await bad.json()) as ErrorJson).error.fields?.[0]?.field).toBe('surveys');
    await db('studies').where({ id: study.id }).update({ deleted_at: clock() });
    expect((await app.request(url, { method: 'POST', headers: asAdmin, body: fixtureText })).status).toBe(409);
    expect(await db('surveys').where({ study_id: study.id })).toHaveLength(0);
    expect(await auditRowsFor(db, 'study', study.id)).toHaveLength(0);
  });
});

describe('the study file carries the wearable measurements', () => {
  test('export → import into another study: its measurements become the study’s, audited; the export is identical', async ({
    app,
    db,
  }) => {
    const source = await insertStudy(db);
    await saveStudyMeasurements(db, source.id, ['heart_rate', 'sleep', 'ecg'], new Date('2026-12-01T00:00:00Z'));
    const exported = await app.request(`/api/v1/studies/${source.id}/export`, { headers: asViewer });
    const text = await exported.text();
    expect((JSON.parse(text) as { wearable_measurements: unknown }).wearable_measurements).toEqual([
      'heart_rate',
      'sleep',
      'ecg',
    ]);
    const copy = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${copy.id}/import${ALL}`, {
      method: 'POST',
      headers: asAdmin,
      body: text,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ImportJson).measurements).toEqual({
      before: DEFAULT_MEASUREMENTS,
      after: ['heart_rate', 'sleep', 'ecg'],
    });
    expect(await findStudyMeasurements(db, copy.id)).toEqual({
      measurements: ['heart_rate', 'sleep', 'ecg'],
      chosen: true,
    });
    const audit = await auditRowsFor(db, 'study', copy.id);
    expect(audit.map((a) => a.action)).toContain('study.measurements.update');
    const again = await app.request(`/api/v1/studies/${copy.id}/export`, { headers: asViewer });
    expect(await again.text()).toBe(text);
  });

  test('only when asked, as the other parts; Beiwe’s own files, which lack the key, leave them as they are', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    await saveStudyMeasurements(db, study.id, ['sleep'], new Date('2026-12-01T00:00:00Z'));
    const file = JSON.stringify({ ...beiweExport(), wearable_measurements: ['heart_rate'] });
    expect((await importText(app, study.id, file, { query: '?surveys=true' })).measurements).toBeNull();
    expect((await findStudyMeasurements(db, study.id)).measurements).toEqual(['sleep']);
    // Beiwe's form fields name no such part: a Beiwe form import never changes them.
    const form = await importText(app, study.id, file, { form: { device_settings: 'true', surveys: 'true' } });
    expect(form.measurements).toBeNull();
    expect((await importBeiweFiles(app, study.id)).map((r) => r.measurements)).toEqual([null, null]);
    expect((await findStudyMeasurements(db, study.id)).measurements).toEqual(['sleep']);
    // Asked, with the key: duplicates count once, in the catalogue's order.
    const asked = await app.request(`/api/v1/studies/${study.id}/import?measurements=true`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ wearable_measurements: ['sleep', 'heart_rate', 'sleep'] }),
    });
    expect(((await asked.json()) as ImportJson).measurements).toEqual({
      before: ['sleep'],
      after: ['heart_rate', 'sleep'],
    });
  });
});

describe('the study file carries the source priorities', () => {
  const ranked = {
    steps: [{ source: 'phone' }, { source: 'fitbit', device: 'Charge 6' }],
    sleep: [{ source: 'polar' }, { source: 'withings' }],
  };

  test('export → import into another study: its lists become the study’s, audited as a PUT is; the export is identical', async ({
    app,
    db,
  }) => {
    const source = await insertStudy(db);
    await saveSourcePriorities(db, source.id, ranked, new Date('2026-12-01T00:00:00Z'));
    const text = await (await app.request(`/api/v1/studies/${source.id}/export`, { headers: asViewer })).text();
    expect((JSON.parse(text) as { wearable_source_priorities: unknown }).wearable_source_priorities).toEqual(ranked);
    const copy = await insertStudy(db);
    await saveSourcePriorities(db, copy.id, { workouts: [{ source: 'fitbit' }] }, new Date('2026-12-01T00:00:00Z'));
    const imported = await importText(app, copy.id, text, { query: ALL });
    // The file's lists replace them all: a measurement it leaves out goes back to the default order.
    expect(imported.sourcePriorities).toEqual({ before: { workouts: [{ source: 'fitbit' }] }, after: ranked });
    const priorities = await findSourcePriorities(db, copy.id);
    expect([priorities.steps, priorities.sleep, priorities.workouts]).toEqual([ranked.steps, ranked.sleep, []]);
    const audit = await auditRowsFor(db, 'study', copy.id);
    const update = audit.find((a) => a.action === 'study.source-priority.update');
    expect(update?.after).toEqual(priorities);
    expect(await (await app.request(`/api/v1/studies/${copy.id}/export`, { headers: asViewer })).text()).toBe(text);

    // The same lists again change nothing, and audit nothing but the import.
    const again = await importText(app, copy.id, text, { query: '?sourcePriorities=true' });
    expect(again.sourcePriorities).toBeNull();
    const later = await auditRowsFor(db, 'study', copy.id);
    expect(later.filter((a) => a.action === 'study.source-priority.update')).toHaveLength(1);
  });

  test('only when asked, by the query flag or the form field; Beiwe’s own files leave them as they are', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    await saveSourcePriorities(db, study.id, ranked, new Date('2026-12-01T00:00:00Z'));
    const before = await findSourcePriorities(db, study.id);
    const file = JSON.stringify({
      ...beiweExport(),
      wearable_source_priorities: { heart_rate: [{ source: 'withings' }] },
    });
    const notAsked = await importText(app, study.id, file, { query: '?surveys=true&measurements=true' });
    expect(notAsked.sourcePriorities).toBeNull();
    const form = await importText(app, study.id, file, { form: { device_settings: 'true', surveys: 'true' } });
    expect(form.sourcePriorities).toBeNull();
    expect((await importBeiweFiles(app, study.id)).map((r) => r.sourcePriorities)).toEqual([null, null]);
    expect(await findSourcePriorities(db, study.id)).toEqual(before);

    const asked = await importText(app, study.id, file, { form: { source_priorities: 'true' } });
    expect(asked.sourcePriorities).toEqual({ before: ranked, after: { heart_rate: [{ source: 'withings' }] } });
  });
});

describe('GET /api/v1/studies/:id/export', () => {
  test("a study with nothing configured exports Beiwe's default settings and no surveys", async ({ app, db }) => {
    const study = await insertStudy(db, { timezone: 'Europe/Berlin' });
    const file = (await (await app.request(`/api/v1/studies/${study.id}/export`, { headers: asViewer })).json()) as {
      surveys: unknown[];
      device_settings: Record<string, unknown>;
      interventions: unknown[];
      study_time_zone: string;
    };
    expect(file).toMatchObject({ surveys: [], interventions: [], study_time_zone: 'Europe/Berlin' });
    expect(file.device_settings).toMatchObject({ accelerometer: true, heartbeat_timer_minutes: 60 });
    expect(file.device_settings).not.toHaveProperty('id');
  });
});
