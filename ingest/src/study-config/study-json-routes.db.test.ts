import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { auditRowsFor, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer, jsonBody, test, withoutSecret } from '../test/fixtures.ts';

const fixtureText = readFileSync(new URL('./fixtures/beiwe-study-export.json', import.meta.url), 'utf8');
const beiweExport = () => JSON.parse(fixtureText) as Record<string, unknown>;

type ErrorJson = { error: { code: string; message: string; fields?: { field: string; message: string }[] } };
type ImportJson = {
  deviceSettingsVersion: number | null;
  surveys: { id: number; objectId: string; surveyType: string; name: string }[];
  interventionsAdded: string[];
  timezone: { before: string; after: string } | null;
};

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
  };
}

describe('POST /api/v1/studies/:id/import', () => {
  test('imports a realistic Beiwe export: settings, surveys, schedules, interventions, time zone; audited', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/import`, {
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
    await app.request(`/api/v1/studies/${source.id}/import`, { method: 'POST', headers: asAdmin, body: fixtureText });
    const exportOf = async (id: number) => {
      const res = await app.request(`/api/v1/studies/${id}/export`, { headers: asViewer });
      expect(res.status).toBe(200);
      return res.text();
    };
    const first = await exportOf(source.id);
    const copy = await insertStudy(db);
    const imported = await app.request(`/api/v1/studies/${copy.id}/import`, {
      method: 'POST',
      headers: asAdmin,
      body: first,
    });
    expect(imported.status).toBe(200);
    expect(await exportOf(copy.id)).toBe(first);
  });

  test('the export is in Beiwe’s format: the keys its import accepts, and nothing else', async ({ app, db }) => {
    const study = await insertStudy(db, { name: 'My Study' });
    await app.request(`/api/v1/studies/${study.id}/import`, { method: 'POST', headers: asAdmin, body: fixtureText });
    const res = await app.request(`/api/v1/studies/${study.id}/export`, { headers: asViewer });
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="My_Study_surveys_and_settings.json"');
    const file = (await res.json()) as Record<string, unknown> & {
      surveys: Record<string, unknown>[];
      device_settings: Record<string, unknown>;
    };
    const fixture = beiweExport();
    expect(Object.keys(file)).toEqual(['surveys', 'device_settings', 'interventions', 'study_time_zone']);
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
    surveys[1]!.survey_type = 'video_survey';
    const res = await app.request(`/api/v1/studies/${study.id}/import`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody(file),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorJson;
    expect(error.message).toBe('the study file has 5 problems; nothing was imported');
    expect(error.fields?.map((f) => f.field).sort()).toEqual(
      [
        '$.device_settings.heartbeat_timer_minutes',
        '$.device_settings.gps',
        '$.surveys[0].relative_timings[3][0]',
        '$.surveys[0].content[1].display_if["~"]',
        '$.surveys[1].survey_type',
      ].sort()
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

  test('takes the file as Beiwe’s form sends it (multipart "upload"), and imports only the parts asked for', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const form = new FormData();
    form.set('upload', new File([fixtureText], 'Beiwe_Study_surveys_and_settings.json', { type: 'application/json' }));
    // The multipart boundary goes in the content type fetch sets itself.
    const headers = Object.fromEntries(Object.entries(asAdmin).filter(([k]) => k !== 'content-type'));
    const res = await app.request(`/api/v1/studies/${study.id}/import?surveys=false&timezone=false`, {
      method: 'POST',
      headers,
      body: form,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      deviceSettingsVersion: 1,
      surveys: [],
      interventionsAdded: [],
      timezone: null,
    });
    expect(await db('surveys').where({ study_id: study.id })).toHaveLength(0);
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
