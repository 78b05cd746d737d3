import { constants, publicEncrypt, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { describe, expect } from 'vitest';
import { createLocalArchiveStore } from '../../archive/local-store.ts';
import { createApp } from '../../app.ts';
import { enrolledPhone } from '../../test/enrolled-phone.ts';
import { asAdmin, testConfig, testDeps, testFromNow as test } from '../../test/fixtures.ts';
import { b64url, encryptLine, encryptTextFile, sha256B64url } from '../../test/phone-emulator/encrypt.ts';
import { androidFormBody, iosMultipartBody } from '../../test/phone-emulator/http-bodies.ts';

type App = ReturnType<typeof createApp>;

/** Enrols a participant and makes an emulated Android phone for it, in-process; `registeredPhone` also registers it. */
async function phoneOf(app: App, label = `bad_${randomBytes(3).toString('hex')}`) {
  const { phone, participant, studyId } = await enrolledPhone(app, { label });
  const auth = (extra: [string, string][] = []): [string, string][] => [
    ['patient_id', phone.patientId],
    ['password', sha256B64url(phone.password)],
    ['device_id', phone.deviceId],
    ...extra,
  ];
  const post = (path: string, fields: [string, string][], file?: { name: string; bytes: Uint8Array }) => {
    const { body, contentType } = androidFormBody(fields, file);
    return app.request(path, { method: 'POST', headers: { 'content-type': contentType }, body });
  };
  const fileName = (stream = 'accel') => `${phone.patientId}_${stream}_${Date.now() - 60_000}.csv`;
  const validFile = () =>
    encryptTextFile(['timestamp,accuracy,x,y,z', `${Date.now()},unknown,0.1,0.2,9.8`], phone.publicKey!);
  return { phone, participantId: participant.id, studyId, auth, post, fileName, validFile };
}

async function registeredPhone(app: App) {
  const enrolled = await phoneOf(app);
  await enrolled.phone.register();
  return enrolled;
}

/** What the phone uploaded (the identifiers record registration writes is the server's, not the phone's). */
const uploadsOf = (db: Knex, participantId: number) =>
  db('uploads').where({ participant_id: participantId }).whereNot('stream', 'identifiers').orderBy('id') as Promise<
    { status: string; stream: string; error: string | null; id: number }[]
  >;

describe('authentication (spec §1.5)', () => {
  test('unknown, deleted or incomplete credentials: 403 on Android paths, 401 on iOS paths, 403 always for set_fcm_token; empty bodies', async ({
    app,
    db,
  }) => {
    const { auth, post, participantId } = await registeredPhone(app);
    const stranger: [string, string][] = [
      ['patient_id', 'zzzzzzzz'],
      ['password', sha256B64url('x')],
      ['device_id', 'd'],
    ];
    for (const [path, status] of [
      ['/upload', 403],
      ['/upload/ios/', 401],
      ['/download_surveys/ios', 401],
      ['/set_fcm_token', 403],
      ['/mobile-heartbeat/', 403],
    ] as const) {
      const res = await post(path, stranger);
      expect([path, res.status, await res.text()]).toEqual([path, status, '']);
    }
    for (const missing of ['patient_id', 'password', 'device_id']) {
      const res = await post(
        '/mobile-heartbeat',
        auth().filter(([k]) => k !== missing)
      );
      expect([missing, res.status]).toEqual([missing, 403]);
    }
    await db('participants').where({ id: participantId }).update({ deleted_at: new Date() });
    expect((await post('/get_latest_device_settings', auth())).status).toBe(403);
  });

  test('only register_user and set_password check the password', async ({ app }) => {
    const { auth, post, phone } = await registeredPhone(app);
    const wrong = auth().map(([k, v]): [string, string] => [k, k === 'password' ? sha256B64url('wrong') : v]);
    expect((await post('/set_password', [...wrong, ['new_password', 'x']])).status).toBe(403);
    expect((await post('/set_password/ios/', [...wrong, ['new_password', 'x']])).status).toBe(401);
    expect((await post('/register_user', [...wrong, ['new_password', 'x'], ['phone_number', 'p']])).status).toBe(403);
    expect((await post('/mobile-heartbeat', wrong)).status).toBe(200);
    expect((await post('/set_password', auth())).status).toBe(400);
    expect((await post('/register_user', auth([['new_password', 'x']]))).status).toBe(400);
    const changed = await post('/set_password', auth([['new_password', 'second password']]));
    expect([changed.status, await changed.text()]).toEqual([200, '']);
    expect((await post('/set_password', auth([['new_password', 'third']]))).status).toBe(403);
    expect(phone.password).not.toBe('second password');
  });

  test('an empty device_id is refused, and no path redirects', async ({ app }) => {
    const { auth, post, fileName } = await registeredPhone(app);
    const res = await post(
      '/mobile-heartbeat',
      auth().map(([k, v]): [string, string] => [k, k === 'device_id' ? '' : v])
    );
    expect(res.status).toBe(400);
    // A valid name and no file: "file not present" (400) shows the request reached the upload handler.
    for (const path of ['/upload', '/upload/', '//upload', '/upload/ios', '/upload/ios/', '//upload/ios//']) {
      const r = await post(path, auth([['file_name', fileName()]]));
      expect([path, r.status]).toEqual([path, 400]);
    }
    expect((await app.request('/upload', { method: 'GET' })).status).toBe(404);
  });
});

describe('identifiers no column can hold (issue #21)', () => {
  const ENDPOINTS = [
    'register_user',
    'set_password',
    'upload',
    'download_surveys',
    'get_latest_device_settings',
    'mobile-heartbeat',
    'set_fcm_token',
  ];

  test('a patient_id that is not ASCII, or too long, is the bad-credential answer on all 7 endpoints, not a 500', async ({
    app,
    db,
  }) => {
    const { auth, post, participantId } = await registeredPhone(app);
    const history = () => db('beiwe_device_history').where({ participant_id: participantId });
    const before = (await history()).length;
    for (const patientId of ['zzzzzzzü', 'ü', '😀', 'ａｂｃｄ', 'abcdefghi', 'a'.repeat(10_000), 'a\u0000b']) {
      for (const endpoint of ENDPOINTS) {
        for (const ios of [false, true]) {
          const path = ios ? `/${endpoint}/ios/` : `/${endpoint}`;
          const fields = auth([
            ['new_password', 'x'],
            ['phone_number', 'p'],
          ]).map(([k, v]): [string, string] => [k, k === 'patient_id' ? patientId : v]);
          const res = await post(path, fields);
          const expected = ios && endpoint !== 'set_fcm_token' ? 401 : 403;
          expect([path, patientId.slice(0, 12), res.status, await res.text()]).toEqual([
            path,
            patientId.slice(0, 12),
            expected,
            '',
          ]);
        }
      }
    }
    expect(await history()).toHaveLength(before);
  });

  test('a device_id over 200 characters is 400 on register_user and every other endpoint, and leaves no archived file', async ({
    db,
    clock,
    vault,
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-device-id-'));
    try {
      const app = createApp(testDeps({ db, clock, vault, archiveStore: createLocalArchiveStore(dir) }));
      const { phone, participantId, post } = await phoneOf(app);
      const files = async () =>
        (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      const fields = (deviceId: string): [string, string][] => [
        ['patient_id', phone.patientId],
        ['password', sha256B64url(phone.password)],
        ['device_id', deviceId],
        ['new_password', 'new password'],
        ['phone_number', 'p'],
      ];
      for (const endpoint of ENDPOINTS) {
        const res = await post(`/${endpoint}`, fields('d'.repeat(201)));
        expect([endpoint, res.status, await res.text()]).toEqual([
          endpoint,
          400,
          'device_id is longer than 200 characters',
        ]);
      }
      expect(await files()).toHaveLength(0);
      expect(await db('uploads').where({ participant_id: participantId })).toHaveLength(0);
      expect(await db('beiwe_device_history').where({ participant_id: participantId })).toHaveLength(0);
      // Nothing changed: the temporary password still registers, with a device id of the largest size.
      const res = await post('/register_user', fields('d'.repeat(200)));
      expect(res.status).toBe(200);
      expect(await files()).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('upload decision table (spec §3.6)', () => {
  test('bad names answer "file obviously invalid." and the bytes are kept as a rejected upload', async ({
    app,
    db,
  }) => {
    const { auth, post, participantId, phone, validFile } = await registeredPhone(app);
    const t = Date.now() - 60_000;
    const names = [
      '',
      `rList-${t}`,
      `${phone.patientId}_accel_${t}.exe`,
      `${phone.patientId}_accel_..${t}.csv`,
      `${phone.patientId}_accel_${t}\u0000.csv`,
      `${phone.patientId}_accel_1000000000000.csv`,
      `${phone.patientId}_mystery_${t}.csv`,
      // Junk a storage path cannot take (issue #21): once a 400 that nothing kept and the phone retried forever.
      `${phone.patientId}_accel _${t}.csv`,
      `${phone.patientId}_accel_${t}:1.csv`,
      `${phone.patientId}_accel_ü_${t}.csv`,
      `${phone.patientId}_surveyAnswers_${'s'.repeat(190)}_${t}.csv`,
      `${phone.patientId}_accel_${'x'.repeat(240)}_${t}.csv`,
      `${phone.patientId}_accel__${t}.csv`,
    ];
    for (const name of names) {
      const res = await post('/upload', auth(), { name, bytes: validFile() });
      expect([JSON.stringify(name), res.status, await res.text()]).toEqual([
        JSON.stringify(name),
        200,
        'file obviously invalid.',
      ]);
    }
    const uploads = await uploadsOf(db, participantId);
    expect(uploads.filter((u) => u.status === 'rejected')).toHaveLength(names.length);
    expect(
      await db('upload_jobs').whereIn(
        'upload_id',
        uploads.map((u) => u.id)
      )
    ).toHaveLength(0);
  });

  test('missing file: 400 (retry); empty file: 200, delete it', async ({ app, db }) => {
    const { auth, post, participantId, fileName } = await registeredPhone(app);
    const missing = await post('/upload', auth([['file_name', fileName()]]));
    expect([missing.status, await missing.text()]).toEqual([400, 'file not present']);
    for (const bytes of [Buffer.alloc(0), Buffer.from('\n\n\n')]) {
      const res = await post('/upload', auth(), { name: fileName(), bytes });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^file was bad due to '.+', delete it\.$/);
    }
    expect(await uploadsOf(db, participantId)).toHaveLength(0);
  });

  test('undecryptable key lines answer 200 with the key error, keep the raw bytes and queue nothing', async ({
    app,
    db,
  }) => {
    const { auth, post, participantId, fileName, phone } = await registeredPhone(app);
    const aesKey = randomBytes(16);
    // The apps use textbook RSA; a PKCS#1 v1.5-padded key line decrypts to 0x02… and must fail.
    const padded = b64url(
      publicEncrypt({ key: phone.publicKey!, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(b64url(aesKey)))
    );
    const pkcs1 = Buffer.from(`${padded}\n${encryptLine('timestamp,accuracy,x,y,z', aesKey, randomBytes(16))}\n`);
    // Without `&`: the Android form's file ends at its first one (as Django reads it), and a garbage
    // file starting with it was an empty file (1 run in 256).
    const garbage = randomBytes(5000).map((b) => (b === 0x26 ? 0x27 : b));
    const truncatedKey = Buffer.from(`${padded.slice(0, 101)}\n`);
    for (const bytes of [pkcs1, garbage, truncatedKey]) {
      const res = await post('/upload', auth(), { name: fileName(), bytes });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^file had decryption key error '.+'$/);
    }
    const uploads = await uploadsOf(db, participantId);
    expect(uploads.map((u) => u.status)).toEqual(['key_error', 'key_error', 'key_error']);
    expect(uploads.every((u) => (u.error ?? '').length > 0)).toBe(true);
    expect(
      await db('upload_jobs').whereIn(
        'upload_id',
        uploads.map((u) => u.id)
      )
    ).toHaveLength(0);
  });

  test("retired participant and deleted study: 200 with Beiwe's texts, nothing stored", async ({ app, db }) => {
    const first = await registeredPhone(app);
    expect(
      (
        await app.request(`/api/v1/participants/${first.participantId}/beiwe/retire`, {
          method: 'POST',
          headers: asAdmin,
        })
      ).status
    ).toBe(200);
    const retired = await first.post('/upload', first.auth(), { name: first.fileName(), bytes: first.validFile() });
    expect([retired.status, await retired.text()]).toEqual([200, 'participant permanently retired.']);
    // Registration refuses a retired participant with 400 (spec §2).
    expect(
      (
        await first.post(
          '/register_user',
          first.auth([
            ['new_password', 'x'],
            ['phone_number', 'p'],
          ])
        )
      ).status
    ).toBe(400);

    const second = await registeredPhone(app);
    await db('studies').where({ id: second.studyId }).update({ deleted_at: new Date() });
    const ended = await second.post('/upload', second.auth(), { name: second.fileName(), bytes: second.validFile() });
    expect([ended.status, await ended.text()]).toEqual([200, 'study is deleted, stopped, or ended.']);
    expect(await uploadsOf(db, first.participantId)).toHaveLength(0);
    expect(await uploadsOf(db, second.participantId)).toHaveLength(0);
  });

  test('a multipart body cut short is 400 (the phone retries); a complete one is stored', async ({ app, db }) => {
    const { phone, participantId, fileName, validFile } = await registeredPhone(app);
    const params = {
      patient_id: phone.patientId,
      password: sha256B64url(phone.password),
      device_id: phone.deviceId,
      file_name: fileName(),
    };
    const { body, contentType } = iosMultipartBody(
      params,
      { name: params.file_name, bytes: validFile() },
      'alamofire.boundary.0123456789abcdef'
    );
    const cut = await app.request('/upload/ios/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: body.subarray(0, body.length - 200),
    });
    expect(cut.status).toBe(400);
    expect(await uploadsOf(db, participantId)).toHaveLength(0);
    const whole = await app.request('/upload/ios/', { method: 'POST', headers: { 'content-type': contentType }, body });
    expect([whole.status, await whole.text()]).toEqual([200, 'upload successful.']);
    expect(await uploadsOf(db, participantId)).toHaveLength(1);
  });

  test('a body over the limit is 413 and nothing is stored', async ({ db, clock, vault, archiveStore }) => {
    const app = createApp(
      testDeps({ db, clock, vault, archiveStore, config: testConfig({ VIGIL_UPLOAD_MAX_BYTES: '20000' }) })
    );
    const { auth, post, participantId, fileName } = await registeredPhone(app);
    const res = await post('/upload', auth(), { name: fileName(), bytes: Buffer.alloc(30_000, 0x41) });
    expect(res.status).toBe(413);
    expect(await uploadsOf(db, participantId)).toHaveLength(0);
  });
});

describe('reliability: never 200 for what is not durably stored', () => {
  /** A real archive directory that can be made to fail: a regular file in its place fails every write with ENOTDIR, even for root. */
  async function breakableArchive() {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-failing-'));
    const root = join(dir, 'archive');
    return {
      store: createLocalArchiveStore(root),
      async fail() {
        await rename(root, `${root}.away`).catch(() => undefined);
        await writeFile(root, 'not a directory');
      },
      async recover() {
        await rm(root);
        await rename(`${root}.away`, root).catch(() => undefined);
      },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  }

  test('with the archive disk failing an upload gets a retryable 503 and no row; once it recovers the retry is stored', async ({
    db,
    clock,
    vault,
  }) => {
    const archive = await breakableArchive();
    const app = createApp(testDeps({ db, clock, vault, archiveStore: archive.store }));
    try {
      const { auth, post, participantId, fileName, validFile } = await registeredPhone(app);
      const name = fileName();
      const bytes = validFile();
      await archive.fail();
      const failed = await post('/upload', auth(), { name, bytes });
      expect(failed.status).toBe(503);
      expect(await uploadsOf(db, participantId)).toHaveLength(0);

      await archive.recover();
      const retried = await post('/upload', auth(), { name, bytes });
      expect([retried.status, await retried.text()]).toEqual([200, 'upload successful.']);
      expect((await uploadsOf(db, participantId)).map((u) => u.status)).toEqual(['queued']);
    } finally {
      await archive.cleanup();
    }
  });

  test('a registration that cannot be stored changes nothing: the temporary password still works afterwards', async ({
    db,
    clock,
    vault,
  }) => {
    const archive = await breakableArchive();
    const app = createApp(testDeps({ db, clock, vault, archiveStore: archive.store }));
    try {
      const { phone, participantId } = await phoneOf(app);
      await archive.fail();
      await expect(phone.register()).rejects.toThrow(/503/);
      const row = (await db('beiwe_participants').where({ participant_id: participantId }).first()) as {
        device_id: string | null;
      };
      expect(row.device_id).toBeNull();
      expect(await db('uploads').where({ participant_id: participantId })).toHaveLength(0);
      await archive.recover();
      // The phone retries with the same temporary password, which must still be the valid one.
      expect((await phone.register()).status).toBe(200);
    } finally {
      await archive.cleanup();
    }
  });
});
