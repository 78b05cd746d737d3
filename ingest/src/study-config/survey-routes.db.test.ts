import { describe, expect } from 'vitest';
import { auditRowsFor, insertStudy } from '../test/factories.ts';
import { asAdmin, asViewer, jsonBody, test, withoutSecret } from '../test/fixtures.ts';

type SurveyJson = {
  id: number;
  studyId: number;
  objectId: string;
  surveyType: string;
  name: string;
  content: Record<string, unknown>[];
  settings: Record<string, unknown>;
  schedules: { weekly: unknown[]; absolute: unknown[]; relative: Record<string, unknown>[] };
  version: number;
  deletedAt: string | null;
};
type ErrorJson = { error: { code: string; message: string; fields?: { field: string; message: string }[] } };

const questions = [
  { question_id: 'mood', question_text: 'Mood?', question_type: 'slider', min: 0, max: 10 },
  {
    question_id: 'why',
    question_text: 'Why so low?',
    question_type: 'free_response',
    text_field_type: 'MULTI_LINE_TEXT',
    display_if: { '<': ['mood', 3] },
  },
];

describe('surveys: create, read, list', () => {
  test('creates a tracking survey with a 24-character object id, version 1, audited', async ({ app, db }) => {
    const study = await insertStudy(db);
    const res = await app.request(`/api/v1/studies/${study.id}/surveys`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({
        surveyType: 'tracking_survey',
        name: 'Daily',
        content: questions,
        schedules: { weekly: [{ day: 1, hour: 9, minute: 0 }] },
      }),
    });
    expect(res.status).toBe(201);
    const survey = (await res.json()) as SurveyJson;
    expect(survey).toMatchObject({ studyId: study.id, surveyType: 'tracking_survey', name: 'Daily', version: 1 });
    expect(survey.objectId).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(survey.schedules).toEqual({ weekly: [{ day: 1, hour: 9, minute: 0 }], absolute: [], relative: [] });

    const read = (await (
      await app.request(`/api/v1/surveys/${survey.id}`, { headers: asViewer })
    ).json()) as SurveyJson;
    expect(read.content).toEqual(questions);
    const list = (await (await app.request(`/api/v1/studies/${study.id}/surveys`, { headers: asViewer })).json()) as {
      items: SurveyJson[];
    };
    expect(list.items.map((s) => s.id)).toEqual([survey.id]);
    const [audit] = await auditRowsFor(db, 'survey', survey.id);
    expect(audit).toMatchObject({ action: 'survey.create', actor: { login: 'ann' }, after: { name: 'Daily' } });
  });

  test('400 naming the question and the skip-logic rule; 400 for an unknown field; nothing created', async ({
    app,
    db,
  }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}/surveys`;
    const backwards = [questions[1], questions[0]];
    const res = await app.request(url, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ surveyType: 'tracking_survey', content: backwards }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.fields).toEqual([
      {
        field: 'content.0.display_if.<.0',
        message:
          'question "why": refers to question "mood", which does not come before it: a question can only depend on earlier answers',
      },
    ]);
    const unknown = await app.request(url, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({ surveyType: 'audio_survey', timings: [] }),
    });
    expect(((await unknown.json()) as ErrorJson).error.fields).toEqual([
      { field: 'timings', message: 'is not a known field' },
    ]);
    expect(await db('surveys').where({ study_id: study.id })).toHaveLength(0);
  });

  test('a relative schedule must name one of the study’s interventions', async ({ app, db }) => {
    const [study, other] = [await insertStudy(db), await insertStudy(db)];
    const foreign = (await (
      await app.request(`/api/v1/studies/${other.id}/interventions`, {
        method: 'POST',
        headers: asAdmin,
        body: jsonBody({ name: 'Surgery' }),
      })
    ).json()) as { id: number };
    const res = await app.request(`/api/v1/studies/${study.id}/surveys`, {
      method: 'POST',
      headers: asAdmin,
      body: jsonBody({
        surveyType: 'audio_survey',
        schedules: { relative: [{ interventionId: foreign.id, daysAfter: 1, hour: 9, minute: 0 }] },
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.fields?.map((f) => f.field)).toEqual([
      'schedules.relative.0.interventionId',
    ]);
  });

  test('401 without secret, 403 for a Viewer, 404 for an unknown study or survey', async ({ app, db }) => {
    const study = await insertStudy(db);
    const url = `/api/v1/studies/${study.id}/surveys`;
    const body = jsonBody({ surveyType: 'audio_survey' });
    expect((await app.request(url, { method: 'POST', headers: withoutSecret, body })).status).toBe(401);
    expect((await app.request(url, { method: 'POST', headers: asViewer, body })).status).toBe(403);
    expect((await app.request(url, { headers: withoutSecret })).status).toBe(401);
    expect((await app.request('/api/v1/studies/4000000000/surveys', { headers: asViewer })).status).toBe(404);
    expect((await app.request('/api/v1/surveys/4000000000', { headers: asViewer })).status).toBe(404);
    expect(await db('surveys').where({ study_id: study.id })).toHaveLength(0);
  });
});

describe('surveys: change, versions, delete and restore', () => {
  test('each change is a new version and the previous ones are kept', async ({ app, db }) => {
    const study = await insertStudy(db);
    const created = (await (
      await app.request(`/api/v1/studies/${study.id}/surveys`, {
        method: 'POST',
        headers: asAdmin,
        body: jsonBody({ surveyType: 'tracking_survey', name: 'v1', content: questions }),
      })
    ).json()) as SurveyJson;
    const url = `/api/v1/surveys/${created.id}`;
    const patch = (body: unknown) => app.request(url, { method: 'PATCH', headers: asAdmin, body: jsonBody(body) });

    const renamed = await patch({ name: 'v2', settings: { randomize: true } });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({
      name: 'v2',
      version: 2,
      content: questions,
      settings: { randomize: true },
    });
    expect(await (await patch({ content: [questions[0]] })).json()).toMatchObject({ version: 3, name: 'v2' });

    const versions = (await (await app.request(`${url}/versions`, { headers: asViewer })).json()) as {
      items: { version: number; name: string; content: unknown[] }[];
      total: number;
    };
    expect(versions.items.map((v) => [v.version, v.name, v.content.length])).toEqual([
      [3, 'v2', 1],
      [2, 'v2', 2],
      [1, 'v1', 2],
    ]);
    expect((await auditRowsFor(db, 'survey', created.id)).map((a) => a.action)).toEqual([
      'survey.create',
      'survey.update',
      'survey.update',
    ]);
  });

  test('a change is checked as a whole survey: 400 naming the field, nothing changed', async ({ app, db }) => {
    const study = await insertStudy(db);
    const created = (await (
      await app.request(`/api/v1/studies/${study.id}/surveys`, {
        method: 'POST',
        headers: asAdmin,
        body: jsonBody({ surveyType: 'audio_survey' }),
      })
    ).json()) as SurveyJson;
    const url = `/api/v1/surveys/${created.id}`;
    const bad = await app.request(url, {
      method: 'PATCH',
      headers: asAdmin,
      body: jsonBody({ settings: { audio_survey_type: 'mp3' }, content: [{ prompt: 1 }] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorJson).error.fields?.map((f) => f.field).sort()).toEqual([
      'content.0.prompt',
      'settings.audio_survey_type',
    ]);
    const typeChange = await app.request(url, {
      method: 'PATCH',
      headers: asAdmin,
      body: jsonBody({ surveyType: 'tracking_survey' }),
    });
    expect(((await typeChange.json()) as ErrorJson).error.fields?.[0]?.field).toBe('surveyType');
    expect(await (await app.request(url, { headers: asViewer })).json()).toMatchObject({ version: 1 });
    expect((await app.request(url, { method: 'PATCH', headers: asViewer, body: jsonBody({ name: 'x' }) })).status).toBe(
      403
    );
    expect(
      (await app.request(url, { method: 'PATCH', headers: withoutSecret, body: jsonBody({ name: 'x' }) })).status
    ).toBe(401);
  });

  test('delete is soft and audited, the list hides it, restore brings it back', async ({ app, db }) => {
    const study = await insertStudy(db);
    const created = (await (
      await app.request(`/api/v1/studies/${study.id}/surveys`, {
        method: 'POST',
        headers: asAdmin,
        body: jsonBody({ surveyType: 'audio_survey', name: 'diary' }),
      })
    ).json()) as SurveyJson;
    const url = `/api/v1/surveys/${created.id}`;
    expect((await app.request(url, { method: 'DELETE', headers: asViewer })).status).toBe(403);
    expect((await app.request(url, { method: 'DELETE', headers: withoutSecret })).status).toBe(401);
    const del = await app.request(url, { method: 'DELETE', headers: asAdmin });
    expect(del.status).toBe(200);
    expect(((await del.json()) as SurveyJson).deletedAt).not.toBeNull();
    const list = async (q = '') =>
      (
        (await (await app.request(`/api/v1/studies/${study.id}/surveys${q}`, { headers: asViewer })).json()) as {
          items: SurveyJson[];
        }
      ).items.map((s) => s.name);
    expect(await list()).toEqual([]);
    expect(await list('?deleted=only')).toEqual(['diary']);
    expect((await app.request(url, { method: 'PATCH', headers: asAdmin, body: jsonBody({ name: 'x' }) })).status).toBe(
      409
    );
    expect((await app.request(`${url}/restore`, { method: 'POST', headers: asAdmin })).status).toBe(200);
    expect(await list()).toEqual(['diary']);
    expect((await auditRowsFor(db, 'survey', created.id)).map((a) => a.action)).toEqual([
      'survey.create',
      'survey.delete',
      'survey.restore',
    ]);
  });
});
