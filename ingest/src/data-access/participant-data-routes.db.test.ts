import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import type { createApp } from '../app.ts';
import { asAdmin, test } from '../test/fixtures.ts';
import { beiweForm, unzip } from '../test/beiwe-zip.ts';
import { DATA_QUANTITY_FIELDS } from './study-data.ts';
import { SERIALIZABLE_FIELDS } from './summary-statistics-request.ts';

/**
 * Beiwe's study-wide and per-participant data-access endpoints: exact answers from known rows,
 * and the refusals every endpoint shares (bad credentials, another study's key, bad input), each
 * recorded once in `data_access_attempts`. The test clock stands at 2026-11-21T09:00:00Z.
 */
type App = ReturnType<typeof createApp>;
const MIN = 60_000;
const DAY = 86_400_000;

async function setUp(app: App, db: Knex, now: Date) {
  const post = async <T>(path: string, body: unknown) =>
    (await (await app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) })).json()) as T;
  const tag = `${Date.now()}-${Math.random()}`;
  const study = await post<{ id: number; objectId: string }>('/api/v1/studies', { name: `Data ${tag}` });
  const other = await post<{ id: number; objectId: string }>('/api/v1/studies', { name: `Other ${tag}` });
  await db('studies').where({ id: study.id }).update({ timezone: 'America/New_York' });
  const enrol = async (label: string) => {
    const p = await post<{ id: number; beiwe: { patientId: string } }>(`/api/v1/studies/${study.id}/participants`, {
      label,
    });
    return { id: p.id, pid: p.beiwe.patientId };
  };
  const a = await enrol('a');
  const b = await enrol('b');
  const key = await post<{ accessKey: string; secretKey: string }>('/api/v1/data-access/keys', {
    studyId: study.id,
    name: 'k',
  });
  const otherKey = await post<{ accessKey: string; secretKey: string }>('/api/v1/data-access/keys', {
    studyId: other.id,
    name: 'o',
  });
  const ago = (ms: number) => new Date(now.getTime() - ms);
  await db('beiwe_participants')
    .where({ participant_id: a.id })
    .update({
      device_id: 'dev-a',
      os_type: 'ANDROID',
      first_registered_at: ago(3 * DAY),
      last_registered_at: ago(2 * DAY),
      last_upload_at: ago(2 * MIN),
      last_heartbeat_at: ago(30 * MIN),
    });
  await db('beiwe_fcm_tokens').insert({ participant_id: a.id, token: 't', created_at: ago(10 * DAY) });
  const history = (at: Date, code: string, name: string, timezone: string) => ({
    participant_id: a.id,
    seen_at: at,
    device_id: 'dev-a',
    os_type: 'ANDROID',
    os_version: '14',
    version_code: code,
    version_name: name,
    timezone,
  });
  await db('beiwe_device_history').insert([
    history(ago(3 * DAY), '100', '3.6.0', 'America/New_York'),
    history(ago(2 * DAY), '100', '3.6.0', 'Europe/Paris'),
    history(ago(DAY), '101', '3.6.1', 'Europe/Paris'),
  ]);
  await db('beiwe_heartbeats').insert([
    { participant_id: a.id, received_at: new Date(ago(60 * MIN).getTime() + 250) },
    { participant_id: a.id, received_at: ago(30 * MIN) },
  ]);
  const upload = (fileName: string, status: string, encrypted: boolean, sha: string) => ({
    participant_id: a.id,
    file_name: fileName,
    stream: 'accelerometer',
    file_time: ago(3 * 60 * MIN),
    os_type: 'ANDROID',
    encrypted,
    received_at: ago(2 * 60 * MIN),
    size_bytes: 1234,
    sha256: Buffer.alloc(32, sha),
    archive_key: `k/${sha}`,
    status,
  });
  await db('uploads').insert([
    upload(`${a.pid}_accel_1763700000000.csv`, 'processed', true, 'a'),
    upload('bad name', 'rejected', true, 'b'),
    upload(`${a.pid}_gps_1763700000000.csv`, 'key_error', true, 'c'),
    upload(`${a.pid}_identifiers_1763700000000.csv`, 'processed', false, 'd'),
  ]);
  const [surgery] = await db('interventions').insert({
    study_id: study.id,
    name: 'Surgery',
    created_at: now,
    updated_at: now,
  });
  await db('interventions').insert({ study_id: study.id, name: 'appointment', created_at: now, updated_at: now });
  await db('participant_intervention_dates').insert({
    participant_id: a.id,
    intervention_id: surgery,
    date: '2026-11-01',
    updated_at: now,
  });
  const surveyOid = `S${tag.replace(/\D/g, '')}`.padEnd(24, 'x').slice(0, 24);
  const relative = {
    weekly: [],
    absolute: [],
    relative: [{ interventionId: surgery, daysAfter: 1, hour: 9, minute: 0 }],
  };
  const content1 = [{ question_id: 'q1', question_text: 'How?', question_type: 'free_response' }];
  const content2 = [...content1, { question_id: 'q2', question_text: 'Why?', question_type: 'free_response' }];
  const [survey] = await db('surveys').insert({
    study_id: study.id,
    object_id: surveyOid,
    survey_type: 'tracking_survey',
    name: 'Daily',
    content: JSON.stringify(content2),
    settings: '{}',
    schedules: JSON.stringify(relative),
    version: 3,
    created_at: ago(5 * DAY),
    updated_at: ago(DAY),
  });
  const version = (v: number, content: unknown, name: string, at: Date) => ({
    survey_id: survey,
    version: v,
    name,
    content: JSON.stringify(content),
    settings: '{}',
    schedules: JSON.stringify(relative),
    created_at: at,
    created_by: 'ann',
  });
  await db('survey_versions').insert([
    version(1, content1, 'Daily', ago(5 * DAY)),
    version(2, content1, 'Daily survey', ago(4 * DAY)),
    version(3, content2, 'Daily survey', new Date(ago(DAY).getTime() + 500)),
  ]);
  await db('data_quantity').insert([
    { participant_id: a.id, stream: 'accelerometer', day: '2026-11-19', rows: 10, bytes: 1000 },
    { participant_id: a.id, stream: 'gps', day: '2026-11-19', rows: 5, bytes: 500 },
    { participant_id: a.id, stream: 'gps', day: '2026-11-20', rows: 3, bytes: 250 },
  ]);
  const feature = (day: string, name: string, value: number) => ({
    participant_id: a.id,
    day,
    feature: name,
    source: 'phone',
    value,
    version: 1,
    computed_at: now,
  });
  await db('daily_features').insert([
    feature('2026-11-19', 'dist_traveled', 12.5),
    feature('2026-11-18', 'home_time', 20),
  ]);
  const creds = { access_key: key.accessKey, secret_key: key.secretKey };
  const otherCreds = { access_key: otherKey.accessKey, secret_key: otherKey.secretKey };
  return { study, a, b, creds, otherCreds, surveyOid, surgery: Number(surgery) };
}

type Fields = Record<string, string | undefined>;

/** Posts, and checks the call was recorded once under `endpoint` with its status. */
async function call(app: App, db: Knex, path: string, fields: Fields) {
  const [{ n: before }] = (await db('data_access_attempts').count({ n: '*' })) as [{ n: number }];
  const res = await app.request(path, beiweForm(fields));
  const body = await res.text();
  const [{ n: after }] = (await db('data_access_attempts').count({ n: '*' })) as [{ n: number }];
  const [last] = (await db('data_access_attempts').orderBy('id', 'desc').limit(1)) as {
    endpoint: string;
    status: number;
  }[];
  expect([Number(after) - Number(before), last?.endpoint, last?.status]).toEqual([
    1,
    path.split('?')[0]!.slice(1, -3),
    res.status,
  ]);
  return { status: res.status, body, type: res.headers.get('content-type'), headers: res.headers };
}

const message = (body: string) => (JSON.parse(body) as { error: { message: string } }).error.message;

describe('Beiwe study-wide data-access endpoints', () => {
  test('answers exactly, and refuses bad credentials, another study and bad input', async ({ app, db, clock }) => {
    const s = await setUp(app, db, clock());
    const good = { ...s.creds, study_id: s.study.objectId };
    const [first] = [s.a, s.b].sort((x, y) => (x.pid < y.pid ? -1 : 1));

    const creds = await call(app, db, '/check-my-credentials/v1', s.creds);
    expect([creds.status, creds.body]).toEqual([200, 'The provided credentials are valid']);

    const quantities = await call(app, db, '/get-participant-data-quantities/v1', good);
    const zeros = Object.fromEntries(DATA_QUANTITY_FIELDS.map((f) => [f, 0]));
    const parsedQuantities = JSON.parse(quantities.body) as Record<string, Record<string, number>>;
    expect(parsedQuantities).toEqual({
      [s.a.pid]: { ...zeros, accelerometer_bytes: 1000, gps_bytes: 750 },
      [s.b.pid]: zeros,
    });
    // Participants with data first, as Beiwe; fields in Beiwe's order.
    expect(Object.keys(parsedQuantities)).toEqual([s.a.pid, s.b.pid]);
    expect(Object.keys(parsedQuantities[s.a.pid]!)).toEqual(DATA_QUANTITY_FIELDS);

    const interventions = await call(app, db, '/get-interventions/v1', good);
    expect(JSON.parse(interventions.body)).toEqual({
      [s.a.pid]: { [s.surveyOid]: { Surgery: '2026-11-01' } },
      [s.b.pid]: { [s.surveyOid]: { Surgery: null } },
    });

    const history = await call(app, db, '/get-survey-history/v1', good);
    expect([history.type, history.headers.get('content-disposition')]).toEqual([
      'text/json',
      `attachment; filename="${s.study.objectId}_surveys_history_data.json"`,
    ]);
    // Version 2 changed only the name, which Beiwe does not archive.
    expect(history.body).toBe(
      JSON.stringify({
        [s.surveyOid]: [
          {
            archive_start: '2026-11-16T09:00:00+00:00',
            survey_json: [{ question_id: 'q1', question_text: 'How?', question_type: 'free_response' }],
          },
          {
            archive_start: '2026-11-20T09:00:00.500000+00:00',
            survey_json: [
              { question_id: 'q1', question_text: 'How?', question_type: 'free_response' },
              { question_id: 'q2', question_text: 'Why?', question_type: 'free_response' },
            ],
          },
        ],
      })
    );

    const columns = [
      'Created On',
      'Patient ID',
      'Status',
      'OS Type',
      'appointment',
      'Surgery',
      'First Registration Date',
      'Last Registration',
      'Last Timezone',
      'Last Upload',
      'Last Survey Download',
      'Last Set Password',
      'Last Push Token Update',
      'Last Device Settings Update',
      'Last OS Version',
      'App Version Code',
      'App Version Name',
      'Last Heartbeat',
    ];
    const rowA = [
      '2026-11-21',
      s.a.pid,
      'Active (just now)',
      'ANDROID',
      '',
      '2026-11-01',
      '2026-11-18T04:00:00-05:00',
      '2026-11-19T04:00:00-05:00',
      'Europe/Paris',
      '2026-11-21T03:58:00-05:00',
      null,
      null,
      '2026-11-11T04:00:00-05:00',
      null,
      '14',
      '101',
      '3.6.1',
      '2026-11-21T03:30:00-05:00',
    ];
    const rowB = ['2026-11-21', s.b.pid, 'Not Registered', '', '', '', ...Array<null>(12).fill(null)];
    const rows = first === s.a ? [rowA, rowB] : [rowB, rowA];
    const table = await call(app, db, '/get-participant-table-data/v1', { ...good, data_format: 'json_table' });
    expect(JSON.parse(table.body)).toEqual([columns, ...rows]);
    const asJson = await call(app, db, '/get-participant-table-data/v1', { ...good, data_format: 'json' });
    expect(JSON.parse(asJson.body)).toEqual(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]]))));
    const csv = await call(app, db, '/get-participant-table-data/v1', { ...good, data_format: 'csv' });
    expect(csv.type).toMatch(/^text\/csv/);
    const csvLines = csv.body.split('\r\n');
    expect(csvLines[0]).toBe(columns.join(','));
    expect(csvLines[first === s.a ? 1 : 2]).toBe(
      [
        '2026-11-21',
        s.a.pid,
        'Active (just now)',
        'ANDROID',
        '',
        '2026-11-01',
        '2026-11-18 04:00:00 (EST)',
        '2026-11-19 04:00:00 (EST)',
        'Europe/Paris',
        '2026-11-21 03:58:00 (EST)',
        'None',
        'None',
        '2026-11-11 04:00:00 (EST)',
        'None',
        '14',
        '101',
        '3.6.1',
        '2026-11-21 03:30:00 (EST)',
      ].join(',')
    );
    expect(csvLines).toHaveLength(4);

    const stats = await call(app, db, '/get-summary-statistics/v1', good);
    const statRows = JSON.parse(stats.body) as Record<string, unknown>[];
    expect(
      statRows.map((r) => [r.date, r.beiwe_gps_bytes, r.jasmine_distance_traveled, r.jasmine_home_duration])
    ).toEqual([
      ['2026-11-20', 250, null, null],
      ['2026-11-19', 500, 12.5, null],
      ['2026-11-18', null, null, 20],
    ]);
    const order = [
      ...SERIALIZABLE_FIELDS.filter((f) => f !== 'study_id' && f !== 'participant_id'),
      'study_id',
      'participant_id',
    ];
    expect(Object.keys(statRows[0]!)).toEqual(order);
    expect(statRows[1]).toMatchObject({
      participant_id: s.a.pid,
      study_id: s.study.objectId,
      timezone: 'America/New_York',
      beiwe_accelerometer_bytes: 1000,
      sycamore_total_surveys: null,
    });
    // Beiwe reads these parameters from the query string.
    const filtered = await call(
      app,
      db,
      '/get-summary-statistics/v1?start_date=2026-11-19&fields=date,participant_id,beiwe_gps_bytes,jasmine_distance_traveled',
      good
    );
    expect(JSON.parse(filtered.body)).toEqual([
      { date: '2026-11-20', beiwe_gps_bytes: 250, jasmine_distance_traveled: null, participant_id: s.a.pid },
      { date: '2026-11-19', beiwe_gps_bytes: 500, jasmine_distance_traveled: 12.5, participant_id: s.a.pid },
    ]);
    const sorted = await call(app, db, '/get-summary-statistics/v1?fields=date,beiwe_gps_bytes', {
      ...good,
      ordered_by: 'beiwe_gps_bytes',
      order_direction: 'ascending',
      limit: '2',
    });
    expect(JSON.parse(sorted.body)).toEqual([
      { date: '2026-11-20', beiwe_gps_bytes: 250 },
      { date: '2026-11-19', beiwe_gps_bytes: 500 },
    ]);
    const nobody = await call(app, db, '/get-summary-statistics/v1?participant_ids=zzzzzzzz,😀', good);
    expect(JSON.parse(nobody.body)).toEqual([]);

    const refusals: [string, Fields, number, string][] = [
      [
        '/check-my-credentials/v1',
        { ...s.creds, secret_key: 'A'.repeat(64) },
        403,
        'unknown or disabled access key, or wrong secret',
      ],
      ['/check-my-credentials/v1', { access_key: s.creds.access_key }, 400, 'secret_key: missing or malformed'],
      [
        '/get-participant-data-quantities/v1',
        { ...good, secret_key: 'A'.repeat(64) },
        403,
        'unknown or disabled access key, or wrong secret',
      ],
      [
        '/get-participant-data-quantities/v1',
        { ...s.otherCreds, study_id: s.study.objectId },
        403,
        `this key has no access to study ${s.study.objectId}`,
      ],
      [
        '/get-interventions/v1',
        { ...s.otherCreds, study_id: s.study.objectId },
        403,
        `this key has no access to study ${s.study.objectId}`,
      ],
      [
        '/get-interventions/v1',
        s.creds,
        400,
        'study_id: expected a 24-character study object id (or study_pk, an integer study id)',
      ],
      [
        '/get-survey-history/v1',
        { ...s.otherCreds, study_id: s.study.objectId },
        403,
        `this key has no access to study ${s.study.objectId}`,
      ],
      [
        '/get-survey-history/v1',
        { ...s.creds, study_id: 'x'.repeat(24) },
        404,
        `study ${'x'.repeat(24)} does not exist`,
      ],
      [
        '/get-participant-table-data/v1',
        { ...s.otherCreds, study_id: s.study.objectId, data_format: 'json' },
        403,
        `this key has no access to study ${s.study.objectId}`,
      ],
      [
        '/get-participant-table-data/v1',
        good,
        400,
        "data_format: Invalid required data_format parameter, only 'csv' and 'json' supported",
      ],
      [
        '/get-participant-table-data/v1',
        { ...good, data_format: 'xml' },
        400,
        "data_format: Invalid required data_format parameter, only 'csv' and 'json' supported",
      ],
      [
        '/get-summary-statistics/v1',
        { ...s.otherCreds, study_id: s.study.objectId },
        403,
        `this key has no access to study ${s.study.objectId}`,
      ],
      [
        '/get-summary-statistics/v1?start_date=2026-13-01&limit=ten',
        good,
        400,
        'start_date: start date could not be interpreted as a date. Dates should be formatted as YYYY-MM-DD; limit: limit value could not be interpreted as an integer value',
      ],
      [
        '/get-summary-statistics/v1?fields=date,bogus&ordered_by=nothing',
        good,
        400,
        'ordered_by: nothing is not a field that can be used to sort the output; fields: bogus is not a valid field',
      ],
      [
        '/get-summary-statistics/v1?order_direction=up',
        good,
        400,
        "order_direction: If provided, the order_direction parameter should contain either the value 'ascending' or 'descending'",
      ],
    ];
    for (const [path, fields, status, text] of refusals) {
      const res = await call(app, db, path, fields);
      expect([path, res.status, message(res.body)]).toEqual([path, status, text]);
    }
  });
});

describe('Beiwe per-participant data-access endpoints', () => {
  test('answers exactly, and refuses bad credentials, another study and bad input', async ({ app, db, clock }) => {
    const s = await setUp(app, db, clock());
    const good = { ...s.creds, participant_id: s.a.pid };

    const uploads = await call(app, db, '/get-participant-upload-history/v1', good);
    expect([uploads.type, JSON.parse(uploads.body)]).toEqual([
      'application/json',
      [{ file_size: 1234, timestamp: '2026-11-21T07:00:00Z', file_name: 'accel/1763700000000.csv' }],
    ]);
    const omitted = await call(app, db, '/get-participant-upload-history/v1', { ...good, omit_keys: 'TRUE' });
    expect(omitted.body).toBe('[[1234,"2026-11-21T07:00:00Z","accel/1763700000000.csv"]]');

    const beats = await call(app, db, '/get-participant-heartbeat-history/v1', good);
    expect(beats.body).toBe('[{"timestamp":"2026-11-21T08:00:00Z"},{"timestamp":"2026-11-21T08:30:00Z"}]');
    const bareBeats = await call(app, db, '/get-participant-heartbeat-history/v1', { ...good, omit_keys: 'true' });
    expect(bareBeats.body).toBe('["2026-11-21T08:00:00Z","2026-11-21T08:30:00Z"]');
    const none = await call(app, db, '/get-participant-heartbeat-history/v1', { ...s.creds, participant_id: s.b.pid });
    expect(none.body).toBe('[]');

    // The time-zone change alone is no new version.
    const versions = await call(app, db, '/get-participant-version-history/v1', good);
    expect(JSON.parse(versions.body)).toEqual([
      { app_version_code: '100', app_version_name: '3.6.0', os_version: '14', created_on: '2026-11-18T09:00:00Z' },
      { app_version_code: '101', app_version_name: '3.6.1', os_version: '14', created_on: '2026-11-20T09:00:00Z' },
    ]);
    const bareVersions = await call(app, db, '/get-participant-version-history/v1', { ...good, omit_keys: 'true' });
    expect(JSON.parse(bareVersions.body)).toEqual([
      ['100', '3.6.0', '14', '2026-11-18T09:00:00Z'],
      ['101', '3.6.1', '14', '2026-11-20T09:00:00Z'],
    ]);

    const status = await call(app, db, '/get-participant-device-status-history/v1', good);
    expect([status.type, status.body]).toEqual(['application/json', '[]']);
    const notifications = await call(app, db, '/get-participant-notification-history/v1', { ...good, UTC: '' });
    expect([notifications.status, notifications.body]).toEqual([200, '{}']);

    const t0 = Date.UTC(2026, 10, 20, 10, 15);
    await db('power_state').insert([
      { participant_id: s.a.id, t: new Date(t0), os: 1, event: 'Screen turned on' },
      { participant_id: s.a.id, t: new Date(t0 + 60 * MIN), os: 1, event: 'Screen turned off' },
    ]);
    const hashes = await call(app, db, '/get-participant-file-hashes/v1', good);
    const parsed = JSON.parse(hashes.body) as Record<string, string>;
    expect(Object.keys(parsed)).toEqual([
      `${s.a.pid}/power_state/2026-11-20T10_00_00+00_00.csv`,
      `${s.a.pid}/power_state/2026-11-20T11_00_00+00_00.csv`,
    ]);
    // The same hashes as the registry /get-data/v1 sends.
    const zip = await app.request(
      '/get-data/v1',
      beiweForm({ ...s.creds, study_id: s.study.objectId, participant_ids: s.a.pid, data_streams: 'power_state' })
    );
    const registry = JSON.parse(
      unzip(Buffer.from(await zip.arrayBuffer()))
        .get('registry')!
        .toString()
    ) as Record<string, string>;
    expect(Object.values(parsed)).toEqual([
      registry[`CHUNKED_DATA/${s.study.objectId}/${s.a.pid}/power_state/2026-11-20T10:00:00.csv`],
      registry[`CHUNKED_DATA/${s.study.objectId}/${s.a.pid}/power_state/2026-11-20T11:00:00.csv`],
    ]);

    const endpoints = [
      '/get-participant-upload-history/v1',
      '/get-participant-heartbeat-history/v1',
      '/get-participant-version-history/v1',
      '/get-participant-device-status-history/v1',
      '/get-participant-notification-history/v1',
      '/get-participant-file-hashes/v1',
    ];
    for (const path of endpoints) {
      const refusals: [Fields, number, string][] = [
        [{ ...good, secret_key: 'A'.repeat(64) }, 403, 'unknown or disabled access key, or wrong secret'],
        [{ ...good, access_key: 'not base64!' }, 400, 'access_key: missing or malformed'],
        [{ ...s.otherCreds, participant_id: s.a.pid }, 403, `this key has no access to participant ${s.a.pid}`],
        [s.creds, 400, 'participant_id: required'],
        [{ ...s.creds, participant_id: 'zzzzzzzü' }, 400, 'participant_id: not a patient id'],
        [{ ...s.creds, participant_id: 'zzzzzzzz' }, 404, 'participant zzzzzzzz does not exist'],
      ];
      for (const [fields, code, text] of refusals) {
        const res = await call(app, db, path, fields);
        expect([path, res.status, message(res.body)]).toEqual([path, code, text]);
      }
    }
  });
});
