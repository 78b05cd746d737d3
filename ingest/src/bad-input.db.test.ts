import { randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createLocalArchiveStore } from './archive/local-store.ts';
import { DEVICE_SETTING_KEYS } from './study-config/device-settings-schema.ts';
import { createTestClock, grafanaHeaders, testDeps, testVault } from './test/app-deps.ts';
import { encryptTextFile, sha256B64url } from './test/phone-emulator/encrypt.ts';
import { createPhone } from './test/phone-emulator/phone.ts';
import { createOwnDatabase } from './test/test-db.ts';
import { testConfig } from './test/fixtures.ts';

/**
 * The bad-input matrix (issue #21): every route the app serves, public and admin, fed wrong types,
 * sizes, encodings, traversal, SQL metacharacters and unicode. No case may answer 5xx, and none may
 * leave anything half-stored: a refused request changes no table's row count (beyond the records
 * kept of refused calls themselves) and every archived object belongs to an `uploads` row.
 *
 * Routes are read from the app itself, so a new route is in the matrix the day it is added; a
 * route that takes a JSON body must say what a valid one looks like (`validBodies`), or the last
 * test fails.
 */

type App = ReturnType<typeof createApp>;
/** `alsoRecords`: tables a refusal of this case writes to on purpose (an audit of the refusal). */
type Case = { label: string; path: string; init: RequestInit; alsoRecords?: readonly string[] };

const asAdmin = grafanaHeaders('Admin', 'ann');
const asViewer = grafanaHeaders('Viewer', 'vic');

const long = (n: number, ch = 'a') => ch.repeat(n);

/** Strings that have broken servers: sizes, encodings, traversal, SQL, unicode. */
const BAD_STRINGS: readonly [string, string][] = [
  ['empty', ''],
  ['blank', '   '],
  ['nul', 'a\u0000b'],
  ['control', '\u0001\u0007\u001b[31m'],
  ['crlf', 'a\r\nSet-Cookie: x=1'],
  ['sql-quote', "x' OR '1'='1"],
  ['sql-stmt', '1; DROP TABLE studies; --'],
  ['like-wildcards', '%_\\%'],
  ['traversal', '../../../etc/passwd'],
  ['traversal-win', '..\\..\\windows\\win.ini'],
  ['emoji-4-byte', '😀🧬𝕍'],
  ['rtl-override', '\u202Eevil\u202C'],
  ['combining', 'e\u0301\u0308\u0327'.repeat(20)],
  ['cjk', '漢字かなカナ'],
  ['lone-surrogate', 'a\uD800b'],
  ['bom-zero-width', '\uFEFF\u200B\u200D'],
  ['html', '<script>alert(1)</script>'],
  ['format-string', '%s%n%x%d'],
  ['long-201', long(201)],
  ['long-1k', long(1024, 'é')],
  ['long-10k', long(10_000)],
  ['long-100k', long(100_000, 'x')],
];

/** Non-string JSON values of the wrong type or range. */
const BAD_VALUES: readonly [string, unknown][] = [
  ...BAD_STRINGS.filter(([label]) =>
    ['empty', 'nul', 'sql-quote', 'traversal', 'emoji-4-byte', 'long-201', 'long-1k', 'long-10k', 'long-100k'].includes(
      label
    )
  ),
  ['null', null],
  ['true', true],
  ['zero', 0],
  ['negative', -1],
  ['fraction', 1.5],
  ['huge', 1e308],
  ['past-2^64', 18446744073709551616],
  ['array', [1, 'a', null]],
  ['object', { $gt: '' }],
];

/** What the matrix puts in nested places. */
const NESTED_VALUES: readonly [string, unknown][] = [
  ['long-10k', long(10_000, 'é')],
  ['emoji-4-byte', '😀🧬𝕍'],
  ['null', null],
  ['huge', 1e308],
  ['negative', -99999999999],
  ['object', { a: [] }],
];

/** Paths to the leaves below the top level (arrays through their first item), spread over the body. */
function nestedLeaves(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const children: [string | number, unknown][] = Array.isArray(value)
    ? value.length > 0
      ? [[0, value[0]]]
      : []
    : typeof value === 'object' && value !== null
      ? Object.entries(value)
      : [];
  if (children.length === 0) return at.length > 1 ? [at] : [];
  const leaves = children.flatMap(([k, v]) => nestedLeaves(v, [...at, k]));
  // Every other leaf of a long list, so a big body does not fill the sample with one part of it.
  return at.length === 0 ? leaves.filter((_, i) => i % Math.max(1, Math.floor(leaves.length / 8)) === 0) : leaves;
}

function replaceAt(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value))
    return (value as unknown[]).map((v, i) => (i === head ? replaceAt(v, rest, replacement) : v));
  const object = value as Record<string, unknown>;
  return { ...object, [head!]: replaceAt(object[head!], rest, replacement) };
}

/** Path parameters that are not ids. */
const BAD_IDS = [
  '0',
  '-1',
  '1.5',
  '4294967296',
  '99999999999999999999999999',
  '%F0%9F%98%80',
  '..%2F..%2Fetc',
  "1'%20OR%201=1",
  '%00',
  long(2000, '9'),
];

/** Query parameters admin lists take, each tried with a bad value. */
const QUERY_KEYS = [
  'limit',
  'offset',
  'deleted',
  'q',
  'status',
  'studyId',
  'participantId',
  'provider',
  'stream',
  'streams',
  'keyId',
  'targetType',
  'targetId',
  'actor',
  'action',
  'state',
  'connectionId',
  'from',
  'to',
  'days',
  'deviceSettings',
  'surveys',
  'timezone',
];
const BAD_QUERY_VALUES = [
  '-1',
  '1e300',
  '99999999999999999999',
  '1.5',
  'abc',
  '',
  encodeURIComponent('😀'),
  '%00',
  '%FF%FE',
  encodeURIComponent("' OR 1=1 --"),
  long(5000, '7'),
  encodeURIComponent(long(300, 'é')),
];

/** Raw bodies for any JSON route: not JSON, not an object, bad bytes. */
const RAW_JSON_BODIES: readonly [string, string | Buffer, string?][] = [
  ['empty', ''],
  ['truncated', '{"name": "x'],
  ['null', 'null'],
  ['array', '[]'],
  ['number', '12'],
  ['string', '"name"'],
  ['invalid-utf8', Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ['overlong-utf8', Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d])],
  ['lone-surrogate-escape', '{"name":"\\ud800"}'],
  ['nul-in-json', '{"name":"a\\u0000b"}'],
  ['deep-nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`],
  ['100k-junk-keys', JSON.stringify(Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`k${i}`, long(20)])))],
  ['proto-pollution', '{"__proto__":{"isServerAdmin":true},"constructor":{"prototype":{"x":1}}}'],
  ['form-encoded', 'name=x&description=y', 'application/x-www-form-urlencoded'],
  ['text-plain', '{"name":"x"}', 'text/plain'],
];

/** Grafana contexts a broken or hostile proxy might send. */
const BAD_CONTEXTS: readonly [string, string][] = [
  ['not-json', '{Login'],
  ['long-login', JSON.stringify({ Login: long(191), OrgRole: 'Admin' })],
  ['huge-login', JSON.stringify({ Login: long(20_000, 'é'), OrgRole: 'Admin' })],
  // Header values reach Node as Latin-1 characters, one per byte of the UTF-8 Grafana writes.
  ['emoji-login', Buffer.from(JSON.stringify({ Login: '😀'.repeat(60), OrgRole: 'Admin' })).toString('latin1')],
  [
    'non-utf8-login',
    Buffer.from([0x7b, 0x22, 0x4c, 0x6f, 0x67, 0x69, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('latin1'),
  ],
  ['nul-login', JSON.stringify({ Login: 'a\u0000b', OrgRole: 'Admin' })],
  ['bad-role', JSON.stringify({ Login: 'x', OrgRole: 'Owner' })],
];

describe('bad-input matrix over every endpoint', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let google: Server | undefined;
  let db: Knex;
  let app: App;
  let archiveDir: string;
  let tables: string[];
  const seen: { label: string; status: number }[] = [];
  /** What went wrong in the current test's cases; each test asserts it is empty once its cases ran. */
  const failures: string[] = [];
  // Fixtures the valid bodies and ids point at.
  let fx: {
    studyId: number;
    participantId: number;
    otherParticipantId: number;
    surveyId: number;
    interventionId: number;
    uploadId: number;
    keyId: number;
    studyObjectId: string;
    accessKey: string;
    secretKey: string;
    patientId: string;
    plainPassword: string;
    deviceId: string;
    publicKey: KeyObject;
    studyExport: unknown;
    deviceSettings: Record<string, unknown>;
  };

  /** Row counts of every table, in one round trip. */
  const counts = async (): Promise<Record<string, number>> => {
    const sql = `SELECT ${tables.map((t) => `(SELECT COUNT(*) FROM \`${t}\`) AS \`${t}\``).join(', ')}`;
    const [rows] = (await db.raw(sql)) as [Record<string, number>[]];
    return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
  };

  const archiveObjects = async (): Promise<number> => {
    const entries = await readdir(archiveDir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile() && !e.name.startsWith('.tmp-')).length;
  };

  // Refused calls that are themselves recorded: data-access attempts (spec §6, every call), the
  // device report an authenticated phone request leaves whatever its endpoint then answers, and
  // the counts of the rate limits (a refused credential is what they count).
  const RECORDED_WHEN_REFUSED = new Set(['data_access_attempts', 'beiwe_device_history', 'rate_limits']);

  // Cases run one at a time and nothing else writes, so one case's counts after are the next one's before.
  let lastCounts: Record<string, number> | undefined;
  let archiveGap = 0;

  async function run(c: Case): Promise<Response> {
    const before = lastCounts ?? (await counts());
    let res: Response;
    try {
      res = await app.request(c.path, c.init);
      await res.arrayBuffer();
    } catch (err) {
      failures.push(`${c.label}: threw ${(err as Error).message}`);
      lastCounts = undefined;
      return new Response(null, { status: 599 });
    }
    seen.push({ label: c.label, status: res.status });
    if (res.status >= 500) failures.push(`${c.label}: ${res.status}`);
    const after = await counts();
    lastCounts = after;
    if (res.status >= 400) {
      const changed = tables.filter(
        (t) => before[t] !== after[t] && !RECORDED_WHEN_REFUSED.has(t) && !c.alsoRecords?.includes(t)
      );
      if (changed.length > 0) failures.push(`${c.label}: refused with ${res.status} but changed ${changed.join(', ')}`);
    }
    // Reported when it appears, not again for every case after it.
    const gap = (await archiveObjects()) - after.uploads!;
    if (gap !== archiveGap) failures.push(`${c.label}: ${gap} more archive objects than uploads rows`);
    archiveGap = gap;
    return res;
  }

  beforeAll(async () => {
    own = await createOwnDatabase('vigil_badinput');
    db = own.db;
    archiveDir = await mkdtemp(join(tmpdir(), 'vigil-badinput-'));
    // Google Health as it answers a token it does not accept (its documented error shape): a
    // well-formed subscriber request is then the admin's token to fix, a 400 that changes nothing.
    google = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 401, message: 'Invalid Credentials', status: 'UNAUTHENTICATED' } }));
    });
    await new Promise<void>((resolve) => google!.listen(0, '127.0.0.1', resolve));
    const { port } = google.address() as { port: number };
    const config = testConfig({ VIGIL_DB_NAME: own.config.database, VIGIL_FITBIT_API_URL: `http://127.0.0.1:${port}` });
    app = createApp(
      testDeps({
        db,
        clock: createTestClock(new Date()),
        vault: testVault(),
        archiveStore: createLocalArchiveStore(archiveDir),
        config,
      })
    );
    tables = (
      (await db('information_schema.tables')
        .where({ table_schema: own.config.database, table_type: 'BASE TABLE' })
        .pluck('table_name')) as string[]
    ).filter((t) => !t.startsWith('knex_'));

    const post = async (path: string, body: unknown) => {
      const res = await app.request(path, { method: 'POST', headers: asAdmin, body: JSON.stringify(body) });
      expect(res.status, `${path} ${await res.clone().text()}`).toBeLessThan(300);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const study = await post('/api/v1/studies', { name: 'Matrix', timezone: 'Europe/London' });
    const studyId = study.id as number;
    const enrolled = await post(`/api/v1/studies/${studyId}/participants`, { label: 'p1' });
    const other = await post(`/api/v1/studies/${studyId}/participants`, { label: 'p2' });
    const beiwe = enrolled.beiwe as { patientId: string; temporaryPassword: string };
    const phone = createPhone({
      os: 'android',
      serverUrl: 'http://vigil.test',
      patientId: beiwe.patientId,
      temporaryPassword: beiwe.temporaryPassword,
      seed: 'matrix',
      fetch: (input, init) => Promise.resolve(app.request(input as string, init)),
    });
    await phone.register();
    const fileName = `${phone.patientId}_accel_${Date.now() - 60_000}.csv`;
    const file = encryptTextFile(['timestamp,accuracy,x,y,z', `${Date.now()},unknown,0.1,0.2,9.8`], phone.publicKey!);
    expect((await phone.upload(fileName, file)).status).toBe(200);
    const intervention = await post(`/api/v1/studies/${studyId}/interventions`, { name: 'Surgery' });
    const survey = await post(`/api/v1/studies/${studyId}/surveys`, {
      surveyType: 'tracking_survey',
      name: 'Daily',
      content: [{ question_id: 'mood', question_text: 'Mood?', question_type: 'slider', min: 0, max: 10 }],
      schedules: { weekly: [{ day: 1, hour: 9, minute: 0 }] },
    });
    const key = await post('/api/v1/data-access/keys', { studyId, name: 'matrix key' });
    const upload = (await db('uploads').where({ participant_id: enrolled.id }).orderBy('id', 'desc').first('id')) as {
      id: number;
    };
    const studyExport = await (await app.request(`/api/v1/studies/${studyId}/export`, { headers: asAdmin })).json();
    const settings = (await (
      await app.request(`/api/v1/studies/${studyId}/device-settings`, { headers: asAdmin })
    ).json()) as Record<string, unknown>;
    fx = {
      studyId,
      participantId: enrolled.id as number,
      otherParticipantId: other.id as number,
      surveyId: survey.id as number,
      interventionId: intervention.id as number,
      uploadId: upload.id,
      keyId: key.id as number,
      studyObjectId: study.objectId as string,
      accessKey: key.accessKey as string,
      secretKey: key.secretKey as string,
      patientId: phone.patientId,
      plainPassword: phone.password,
      deviceId: phone.deviceId,
      publicKey: phone.publicKey!,
      studyExport,
      deviceSettings: Object.fromEntries(DEVICE_SETTING_KEYS.slice(0, 3).map((k) => [k, settings[k]])),
    };
    // The identifiers record and the upload: each archived object has its row.
    expect((await counts()).uploads).toBe(2);
    expect(await archiveObjects()).toBe(2);
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => (google ? google.close(resolve) : resolve(undefined)));
    await own?.drop();
    if (archiveDir) await rm(archiveDir, { recursive: true, force: true });
    const fiveXX = seen.filter((s) => s.status >= 500).length;
    console.info(`bad-input matrix: ${seen.length} cases, ${fiveXX} answered 5xx`);
  });

  /** A valid JSON body for each admin route that takes one: the matrix spoils one field at a time. */
  const validBodies = (): Record<string, unknown> => ({
    'POST /api/v1/studies': { name: 'Study', description: 'd', timezone: 'UTC' },
    'PATCH /api/v1/studies/:id': { name: 'Study', description: 'd', timezone: 'UTC' },
    'POST /api/v1/studies/:studyId/participants': { label: 'p9', status: 'active', beiwe: false },
    'PATCH /api/v1/participants/:id': { label: 'p1', status: 'active' },
    'POST /api/v1/uploads/requeue': { uploadIds: [fx.uploadId], participantId: fx.participantId, stream: 'gps' },
    'POST /api/v1/connections/:id/move': { participantId: fx.otherParticipantId },
    'POST /api/v1/participants/:id/connect-links': { provider: 'fitbit' },
    'PUT /api/v1/studies/:id/device-settings': fx.deviceSettings,
    'POST /api/v1/studies/:id/surveys': {
      surveyType: 'tracking_survey',
      name: 'Weekly',
      content: [{ question_id: 'q', question_text: 'Q?', question_type: 'free_response' }],
      settings: {},
      schedules: { weekly: [{ day: 2, hour: 9, minute: 0 }] },
    },
    'PATCH /api/v1/surveys/:id': {
      name: 'Daily',
      content: [{ question_id: 'q', question_text: 'Q?', question_type: 'free_response' }],
    },
    'POST /api/v1/studies/:id/interventions': { name: 'Visit' },
    'PATCH /api/v1/interventions/:id': { name: 'Surgery' },
    'PUT /api/v1/participants/:id/interventions': {
      dates: [{ interventionId: fx.interventionId, date: '2026-01-05' }],
    },
    'POST /api/v1/studies/:id/import': fx.studyExport,
    'POST /api/v1/connections/:id/pulls': { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
    'POST /api/v1/participants/:id/pulls': { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
    'POST /api/v1/data-access/keys': { studyId: fx.studyId, name: 'k' },
    'PUT /api/v1/studies/:id/sync-alerts': { recipients: ['a@example.org'], staleDeviceDays: 3 },
    'PUT /api/v1/studies/:id/source-priority': { steps: [{ source: 'withings' }, { source: 'phone' }] },
    'PUT /api/v1/studies/:id/measurements': { measurements: ['sleep', 'ecg'] },
    'PUT /api/v1/participants/:id/beiwe/device-info-tracking': { enabled: true },
    'POST /api/v1/wearables/notifications/fitbit/subscriber': { projectNumber: '123', accessToken: 'ya29.token-x' },
    'PUT /api/v1/push/credentials': {
      iosPlist:
        '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>PROJECT_ID</key><string>p</string></dict></plist>',
    },
  });

  /** Admin routes that take no body. */
  const BODYLESS = new Set([
    'POST /api/v1/purge',
    'DELETE /api/v1/studies/:id',
    'POST /api/v1/studies/:id/restore',
    'DELETE /api/v1/participants/:id',
    'POST /api/v1/participants/:id/restore',
    'POST /api/v1/participants/:id/beiwe',
    'POST /api/v1/participants/:id/beiwe/reset-password',
    'POST /api/v1/participants/:id/beiwe/unregister',
    'POST /api/v1/participants/:id/beiwe/retire',
    'POST /api/v1/uploads/:id/requeue',
    'POST /api/v1/connections/:id/disconnect',
    'POST /api/v1/connections/:id/check',
    'DELETE /api/v1/surveys/:id',
    'POST /api/v1/surveys/:id/restore',
    'DELETE /api/v1/interventions/:id',
    'POST /api/v1/data-access/keys/:id/disable',
    'DELETE /api/v1/data-access/keys/:id',
    'POST /api/v1/sync-check',
    'POST /api/v1/wearables/notifications/polar/webhook',
    'GET /api/v1/wearables/capacity',
    'DELETE /api/v1/push/credentials/:kind',
    'POST /api/v1/participants/:id/push-notifications/test',
  ]);

  const adminRoutes = () =>
    [...new Set(app.routes.map((r) => `${r.method} ${r.path}`))]
      .filter((r) => / \/api\/v1\/[^*]*$/.test(r))
      .map((r) => {
        const [method, path] = r.split(' ') as [string, string];
        return { key: r, method, path };
      });

  /** The id a route's path parameter names when the case is about something else. */
  const validId = (path: string) => {
    if (path.includes('/surveys/:id')) return fx.surveyId;
    if (path.includes('/interventions/:id')) return fx.interventionId;
    if (path.includes('/uploads/:id')) return fx.uploadId;
    if (path.includes('/data-access/keys/:id')) return fx.keyId;
    if (path.includes('/participants/:id')) return fx.participantId;
    if (path.includes('/connections/:id') || path.includes('/pull-jobs/:id')) return 4000000000;
    return fx.studyId;
  };
  const fill = (path: string, id: string | number) =>
    path.replace(/:(id|studyId)\b/, String(id)).replace(/:kind\b/, 'ios');

  /** A urlencoded body from UTF-8 bytes (so a lone surrogate travels as U+FFFD, as it would from a phone). */
  const form = (fields: readonly (readonly [string, string])[]) =>
    fields
      .map(
        ([k, v]) =>
          `${encodeURIComponent(k)}=${[...Buffer.from(v, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`
      )
      .join('&');
  const formInit = (body: string | Buffer, type = 'application/x-www-form-urlencoded'): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });

  it('phone endpoints: identifiers, fields, file names, files and encodings', async () => {
    const ENDPOINTS = [
      'register_user',
      'set_password',
      'upload',
      'download_surveys',
      'get_latest_device_settings',
      'mobile-heartbeat',
      'set_fcm_token',
    ];
    const paths = ENDPOINTS.flatMap((e) => [`/${e}`, `/${e}/ios/`]);
    let plain = fx.plainPassword;
    const auth = (overrides: Record<string, string> = {}): [string, string][] =>
      Object.entries({
        patient_id: fx.patientId,
        password: sha256B64url(plain),
        device_id: fx.deviceId,
        ...overrides,
      });
    const send = async (label: string, path: string, fields: [string, string][]) => {
      const res = await run({ label, path, init: formInit(form(fields)) });
      // A password change that was accepted is the password from now on.
      const changed = fields.find(([k]) => k === 'new_password');
      if (res.status === 200 && changed && /register_user|set_password/.test(path)) {
        plain = Buffer.from(changed[1], 'utf8').toString('utf8');
      }
    };

    for (const path of paths) {
      for (const [label, value] of [
        ...BAD_STRINGS.filter(([l]) =>
          ['nul', 'sql-quote', 'traversal', 'emoji-4-byte', 'long-201', 'long-10k'].includes(l)
        ),
        ['latin', 'zzzzzzzü'],
        ['fullwidth', 'ａｂｃｄ'],
      ] as const) {
        await send(`${path} patient_id=${label}`, path, auth({ patient_id: value }));
      }
      // Registration and password changes hash with scrypt (~0.1 s each): fewer of those.
      const deviceIds = ['nul', 'sql-quote', 'traversal', 'emoji-4-byte', 'long-201', 'long-10k', 'crlf'].filter(
        (l) => !/register_user|set_password/.test(path) || l === 'long-201' || l === 'emoji-4-byte'
      );
      for (const [label, value] of BAD_STRINGS.filter(([l]) => deviceIds.includes(l))) {
        await send(
          `${path} device_id=${label}`,
          path,
          auth({ device_id: value, new_password: plain, phone_number: 'p' })
        );
      }
      for (const [label, raw, type] of [
        ['invalid-utf8', Buffer.concat([Buffer.from(form(auth())), Buffer.from('&message=%FF%FE&timezone=\xff')])],
        ['raw-invalid-bytes', Buffer.concat([Buffer.from(form(auth())), Buffer.from([0x26, 0x6d, 0x3d, 0xc0, 0xaf])])],
        [
          'broken-multipart',
          Buffer.from('--x\r\nContent-Disposition: form-data; name="patient_id"\r\n\r\nab'),
          'multipart/form-data; boundary=x',
        ],
        ['multipart-no-boundary', Buffer.from(form(auth())), 'multipart/form-data'],
        ['json', JSON.stringify(Object.fromEntries(auth())), 'application/json'],
        ['empty', ''],
      ] as const) {
        await run({ label: `${path} body ${label}`, path, init: formInit(raw, type) });
      }
    }
    // The fields each endpoint reads, with every bad string.
    const fieldsOf: Record<string, string[]> = {
      '/register_user': ['new_password', 'phone_number', 'model'],
      '/set_password/ios/': ['new_password'],
      '/mobile-heartbeat': ['message', 'timezone', 'version_name'],
      '/set_fcm_token': ['fcm_token'],
    };
    for (const [path, fields] of Object.entries(fieldsOf)) {
      // Registration and password changes hash with scrypt: every other string for them.
      const strings = /register_user|set_password/.test(path) ? BAD_STRINGS.filter((_, i) => i % 2 === 0) : BAD_STRINGS;
      for (const field of fields) {
        for (const [label, value] of strings) {
          const base: Record<string, string> = { new_password: plain, phone_number: 'p' };
          await send(`${path} ${field}=${label}`, path, auth({ ...base, [field]: value }));
        }
      }
    }
    // Upload: bad names, with and without data, and bad files under a good name.
    const t = Date.now() - 60_000;
    const file = encryptTextFile(['timestamp,accuracy,x,y,z', `${t},unknown,0.1,0.2,9.8`], fx.publicKey);
    const upload = (label: string, name: string, bytes: Buffer | undefined, path = '/upload') => {
      const fields = auth({ file_name: name });
      const head = Buffer.from(form(fields));
      const body = bytes === undefined ? head : Buffer.concat([head, Buffer.from('&file='), bytes]);
      return run({ label: `${path} ${label}`, path, init: formInit(body) });
    };
    for (const [label, value] of [
      ...BAD_STRINGS,
      ['long-extension', `${fx.patientId}_accel_${t}.${long(2000, 'x')}`],
      ['dot-then-emoji', `${fx.patientId}_accel_${t}.${'😀'.repeat(600)}`],
    ] as const) {
      await upload(`file_name=${label}`, value, file);
      await upload(
        `file_name=pid_accel_${label}_t.csv`,
        `${fx.patientId}_accel_${value}_${t}.csv`,
        file,
        '/upload/ios/'
      );
    }
    for (const [label, bytes] of [
      ['missing', undefined],
      ['empty', Buffer.alloc(0)],
      ['newlines', Buffer.from('\n\n\n')],
      ['garbage', randomBytes(3000)],
      ['garbage-100k', randomBytes(100_000)],
      ['nul-bytes', Buffer.alloc(5000)],
      ['invalid-utf8', Buffer.from([0xff, 0xfe, 0x0a, 0xc0, 0xaf])],
      ['key-line-only', Buffer.from(file.subarray(0, file.indexOf(0x0a) + 1))],
    ] as const) {
      await upload(`file=${label}`, `${fx.patientId}_gps_${t + label.length}.csv`, bytes);
    }
    expect(failures.splice(0)).toEqual([]);
  }, 120_000);

  it('data-access, connect pages and health: credentials, study ids, lists, times and encodings', async () => {
    const ENDPOINTS = [
      '/get-data/v1',
      '/get-studies/v1',
      '/get-participant-ids/v1',
      '/get-users/v1',
      '/get-study-settings/v1',
    ];
    const creds = { access_key: fx.accessKey, secret_key: fx.secretKey, study_id: fx.studyObjectId };
    for (const path of ENDPOINTS) {
      const post = (label: string, fields: Record<string, string>) =>
        run({ label: `${path} ${label}`, path, init: formInit(form(Object.entries(fields))) });
      for (const [label, value] of BAD_STRINGS.filter(([l]) =>
        ['empty', 'nul', 'sql-quote', 'traversal', 'emoji-4-byte', 'long-201', 'long-10k', 'html'].includes(l)
      )) {
        await post(`access_key=${label}`, { ...creds, access_key: value });
        await post(`secret_key=${label}`, { ...creds, secret_key: value });
        await post(`study_id=${label}`, { ...creds, study_id: value });
      }
      for (const [label, value] of [
        ['non-ascii-id', 'zzzzzzzü'],
        ['emoji-id', '😀'],
        ['json-list-of-objects', '[{"a":1},null,3]'],
        ['json-list-non-ascii', '["zzzzzzzü","😀"]'],
        ['bad-json', '[1,'],
        ['huge-list', JSON.stringify(Array.from({ length: 3000 }, (_, i) => `p${i}`))],
        ['sql', "') OR 1=1 --"],
        ['long', long(10_000)],
      ] as const) {
        await post(`participant_ids=${label}`, { ...creds, participant_ids: value });
      }
      for (const [label, value] of [
        ['unknown', 'heartRate'],
        ['emoji', '["😀"]'],
        ['json-object', '{"a":1}'],
        ['long', long(10_000)],
      ] as const) {
        await post(`data_streams=${label}`, { ...creds, data_streams: value });
      }
      for (const value of [
        '2026-13-01T00:00:00',
        '9999-12-31T23:59:59',
        '0000-01-01T00:00:00',
        '-1',
        'now',
        long(5000),
      ]) {
        await post(`time_start=${value.slice(0, 20)}`, { ...creds, time_start: value, time_end: value });
      }
      for (const value of ['[1,2]', '{"a":', '{"__proto__":{"x":1}}', '"s"', long(20_000, '{')]) {
        await post(`registry=${value.slice(0, 20)}`, { ...creds, registry: value });
      }
      for (const [label, body, type] of [
        [
          'invalid-utf8',
          Buffer.concat([Buffer.from(form(Object.entries(creds))), Buffer.from('&x=\xff%FF')]),
          undefined,
        ],
        ['json', JSON.stringify(creds), 'application/json'],
        [
          'broken-multipart',
          '--x\r\nContent-Disposition: form-data; name="access_key"\r\n\r\nab',
          'multipart/form-data; boundary=x',
        ],
        ['no-body', '', undefined],
      ] as const) {
        await run({ label: `${path} body ${label}`, path, init: formInit(body, type) });
      }
    }
    // What patients open: a connect link and the OAuth callback, with junk everywhere.
    for (const [label, value] of BAD_STRINGS) {
      await run({
        label: `/connect/start link=${label}`,
        path: `/connect/start?link=${encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, '?'))}`,
        init: {},
        alsoRecords: ['audit_log'],
      });
    }
    for (const provider of ['fitbit', 'withings', 'polar', 'nope', '..%2F..', '%F0%9F%98%80', long(300)]) {
      for (const [label, query] of [
        ['none', ''],
        ['junk-state', `?state=${long(500, 'x')}&code=abc`],
        ['emoji-state', `?state=${encodeURIComponent('😀.😀.😀')}&code=${encodeURIComponent('😀')}`],
        ['dotted-state', '?state=a.b.c&code=x'],
        ['error', `?error=${encodeURIComponent("access_denied' OR 1=1")}&state=x.y.z`],
        ['nul', '?state=%00&code=%00'],
      ] as const) {
        await run({
          label: `/oauth/callback/${provider.slice(0, 20)} ${label}`,
          path: `/oauth/callback/${provider}${query}`,
          init: {},
          alsoRecords: ['audit_log'],
        });
      }
    }
    for (const path of ['/healthz', '/readyz', '/healthz?x=%00', '/nowhere/../../etc/passwd', '/%F0%9F%98%80']) {
      await run({ label: path, path, init: {} });
    }
    expect(failures.splice(0)).toEqual([]);
  }, 120_000);

  it('admin routes: bad ids, bad queries, bad bodies, every role and bad proxy headers', async () => {
    const routes = adminRoutes();
    const bodies = validBodies();
    for (const { key, method, path } of routes) {
      const hasParam = path.includes(':');
      const writes = method !== 'GET';
      const body = bodies[key];
      const json = body === undefined ? undefined : JSON.stringify(body);
      // Callers: a Viewer, no secret, a long request id and hostile proxy contexts. A body-less
      // write (delete, retire, …) aims at nothing, so a context that passes changes no fixture.
      const target = fill(path, BODYLESS.has(key) ? 4000000000 : validId(path));
      const callers: (readonly [string, Record<string, string>])[] = [
        ['viewer', asViewer],
        ['no-secret', { 'content-type': 'application/json' }],
      ];
      if (writes) {
        callers.push(['long-request-id', { ...asAdmin, 'x-request-id': long(200, 'r') }]);
        for (const [l, ctx] of BAD_CONTEXTS) callers.push([`context-${l}`, { ...asAdmin, 'x-grafana-context': ctx }]);
      }
      for (const [label, headers] of callers) {
        await run({
          label: `${key} as ${label}`,
          path: target,
          init: { method, headers, ...(json && { body: json }) },
        });
      }
      if (hasParam) {
        for (const id of BAD_IDS) {
          await run({
            label: `${key} id=${id.slice(0, 30)}`,
            path: fill(path, id),
            init: { method, headers: asAdmin, ...(json && { body: json }) },
          });
        }
      }
      if (!writes) {
        for (let i = 0; i < QUERY_KEYS.length; i++) {
          const q = QUERY_KEYS[i]!;
          const v =
            BAD_QUERY_VALUES[(i + routes.indexOf(routes.find((r) => r.key === key)!)) % BAD_QUERY_VALUES.length]!;
          await run({
            label: `${key} ?${q}=${v.slice(0, 20)}`,
            path: `${target}?${q}=${v}`,
            init: { headers: asViewer },
          });
        }
        continue;
      }
      if (body === undefined) continue;
      for (const [label, raw, type] of RAW_JSON_BODIES) {
        await run({
          label: `${key} body ${label}`,
          path: target,
          init: { method, headers: { ...asAdmin, 'content-type': type ?? 'application/json' }, body: raw },
        });
      }
      if (typeof body !== 'object' || body === null) continue;
      for (const field of Object.keys(body)) {
        const rest = Object.fromEntries(Object.entries(body).filter(([k]) => k !== field));
        await run({
          label: `${key} missing ${field}`,
          path: target,
          init: { method, headers: asAdmin, body: JSON.stringify(rest) },
        });
        for (const [label, value] of BAD_VALUES) {
          await run({
            label: `${key} ${field}=${label}`,
            path: target,
            init: { method, headers: asAdmin, body: JSON.stringify({ ...body, [field]: value }) },
          });
        }
      }
      // Nested values (a question's text, a date in a list, a survey inside an imported file): a few leaves of each body.
      for (const leaf of nestedLeaves(body).slice(0, 8)) {
        for (const [label, value] of NESTED_VALUES) {
          await run({
            label: `${key} ${leaf.join('.')}=${label}`,
            path: target,
            init: { method, headers: asAdmin, body: JSON.stringify(replaceAt(body, leaf, value)) },
          });
        }
      }
      await run({
        label: `${key} extra field`,
        path: target,
        init: { method, headers: asAdmin, body: JSON.stringify({ ...body, isServerAdmin: true }) },
      });
    }
    expect(failures.splice(0)).toEqual([]);
  }, 300_000);

  it('every admin route that takes a body says what a valid one is', () => {
    const bodies = validBodies();
    const unknown = adminRoutes()
      .filter((r) => r.method !== 'GET' && !BODYLESS.has(r.key) && bodies[r.key] === undefined)
      .map((r) => r.key);
    expect(unknown).toEqual([]);
  });
});
