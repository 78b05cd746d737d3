import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { recordUploadAttempt, type UploadAttempt } from '../beiwe/mobile/phone-store.ts';
import { createDb, isDuplicateKey } from '../db.ts';
import { asAdmin, createTestClock, testConfig, testDeps, testFromNow as test, testVault } from '../test/fixtures.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import { commitReceived, commitUpload, type ArchivedUpload } from './receive.ts';

type TestApp = { request: (path: string, init?: RequestInit) => Response | Promise<Response> };

async function enrol(app: TestApp, db: Knex, label: string): Promise<number> {
  const study = (await (
    await app.request('/api/v1/studies', { method: 'POST', headers: asAdmin, body: JSON.stringify({ name: label }) })
  ).json()) as { id: number };
  const enrolled = (await (
    await app.request(`/api/v1/studies/${study.id}/participants`, {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ label }),
    })
  ).json()) as { id: number };
  await db('beiwe_participants').where({ participant_id: enrolled.id }).update({ device_id: 'old-device' });
  return enrolled.id;
}

const at = new Date('2026-03-01T10:00:00.123Z');

const attemptOf = (participantId: number, when: Date): UploadAttempt => ({
  participantId,
  at: when,
  newDeviceId: 'new-device',
  history: {
    device_id: 'new-device',
    os_type: 'ANDROID',
    os_version: '14',
    version_code: '80',
    version_name: '3.6.1',
    timezone: 'Europe/Paris',
  },
});

const uploadOf = (participantId: number, name: string): ArchivedUpload => {
  const sha256 = createHash('sha256').update(name).digest();
  return {
    participantId,
    fileName: name,
    stream: 'accelerometer',
    fileTime: at,
    osType: 'ANDROID',
    encrypted: true,
    status: 'queued',
    error: undefined,
    receivedAt: at,
    sizeBytes: 10,
    sha256,
    archiveKey: `study-1/${name}.${sha256.toString('hex', 0, 8)}`,
  };
};

/** What the participant's rows hold: its attempt, its device history, its uploads and their jobs. */
async function written(db: Knex, participantId: number) {
  const phone = (await db('beiwe_participants')
    .where({ participant_id: participantId })
    .first('device_id', 'last_upload_at')) as { device_id: string; last_upload_at: Date | null };
  const history = (await db('beiwe_device_history')
    .where({ participant_id: participantId })
    .pluck('device_id')) as string[];
  const uploads = (await db('uploads').where({ participant_id: participantId }).pluck('file_name')) as string[];
  const jobs = (await db('upload_jobs as j')
    .join('uploads as u', 'u.id', 'j.upload_id')
    .where('u.participant_id', participantId)
    .pluck('j.state')) as string[];
  return { deviceId: phone.device_id, lastUploadAt: phone.last_upload_at, history, uploads, jobs };
}

/** A pool of one connection, so the test can look at the session a call left behind. */
function oneConnection(): Knex {
  const db = createDb({ ...testConfig().db, poolMax: 1 });
  onTestFinished(() => db.destroy());
  return db;
}

describe('the receive commit (receive_upload)', () => {
  test('writes the attempt, the history row, the upload and its job together', async ({ app, db }) => {
    const participantId = await enrol(app, db, 'rc_all');
    await commitReceived(db, attemptOf(participantId, at), uploadOf(participantId, 'a.csv'));
    expect(await written(db, participantId)).toEqual({
      deviceId: 'new-device',
      lastUploadAt: at,
      history: ['new-device'],
      uploads: ['a.csv'],
      jobs: ['queued'],
    });
    // The same report again adds no history row; a file not to be processed gets no job.
    await commitReceived(db, attemptOf(participantId, at), {
      ...uploadOf(participantId, 'b.csv'),
      status: 'key_error',
    });
    const after = await written(db, participantId);
    expect(after.history).toEqual(['new-device']);
    expect(after.uploads.sort()).toEqual(['a.csv', 'b.csv']);
    expect(after.jobs).toEqual(['queued']);
  });

  test('a duplicate upload fails as one, rolls its attempt back and leaves no transaction open', async ({
    app,
    db,
  }) => {
    const participantId = await enrol(app, db, 'rc_dup');
    const session = oneConnection();
    await commitReceived(session, { ...attemptOf(participantId, at), history: null }, uploadOf(participantId, 'a.csv'));
    const before = await written(db, participantId);

    const later = new Date(at.getTime() + 60_000);
    const failed = await commitReceived(
      session,
      attemptOf(participantId, later),
      uploadOf(participantId, 'a.csv')
    ).then(
      () => undefined,
      (err: unknown) => err
    );
    expect(isDuplicateKey(failed), String(failed)).toBe(true);
    const [[open]] = (await session.raw('SELECT @@in_transaction AS n')) as [{ n: number }[]];
    expect(open!.n).toBe(0);
    expect(await written(db, participantId)).toEqual(before);
  });
});

/** The two halves `receive_upload` runs, called on their own. */
describe('an attempt without an upload (record_upload_attempt) and an upload in a transaction (store_upload)', () => {
  test('an attempt records what a stored upload records of it, the history row only when the report changed', async ({
    app,
    db,
  }) => {
    const participantId = await enrol(app, db, 'rc_attempt');
    await recordUploadAttempt(db, attemptOf(participantId, at));
    const later = new Date(at.getTime() + 60_000);
    await recordUploadAttempt(db, attemptOf(participantId, later));
    expect(await written(db, participantId)).toEqual({
      deviceId: 'new-device',
      lastUploadAt: later,
      history: ['new-device'],
      uploads: [],
      jobs: [],
    });
    const moved = attemptOf(participantId, later);
    await recordUploadAttempt(db, { ...moved, newDeviceId: null, history: { ...moved.history!, timezone: 'UTC' } });
    const timezones = (await db('beiwe_device_history')
      .where({ participant_id: participantId })
      .orderBy('id')
      .pluck('timezone')) as string[];
    expect(timezones).toEqual(['Europe/Paris', 'UTC']);
  });

  test('an upload commits with the transaction it is called in, and nothing of it stays when that rolls back', async ({
    app,
    db,
  }) => {
    const participantId = await enrol(app, db, 'rc_store');
    const before = await written(db, participantId);
    const aborted = new Error('the caller gives up');
    await expect(
      db.transaction(async (trx) => {
        await commitUpload(trx, uploadOf(participantId, 'a.csv'));
        throw aborted;
      })
    ).rejects.toBe(aborted);
    expect(await written(db, participantId)).toEqual(before);

    await db.transaction(async (trx) => {
      await commitUpload(trx, uploadOf(participantId, 'a.csv'));
      await commitUpload(trx, { ...uploadOf(participantId, 'b.csv'), status: 'key_error' });
    });
    const after = await written(db, participantId);
    expect(after.uploads.sort()).toEqual(['a.csv', 'b.csv']);
    expect(after.jobs).toEqual(['queued']);
  });
});

/**
 * The job's insert, the call's last step, held at a gate of the test's own database: a trigger on
 * `upload_jobs` that waits for the gate's row lock and fails when the gate says so.
 */
describe('the receive commit stopped at its last step', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let app: TestApp;
  let archiveDir: string | undefined;
  beforeAll(async () => {
    own = await createOwnDatabase('vigil_receive_commit');
    await own.db.raw('CREATE TABLE gate (id INT PRIMARY KEY, fail BOOLEAN NOT NULL)');
    await own.db.raw('INSERT INTO gate VALUES (1, FALSE)');
    await own.db.raw(`CREATE TRIGGER upload_jobs_gate BEFORE INSERT ON upload_jobs FOR EACH ROW
      BEGIN
        DECLARE fail BOOLEAN;
        SELECT g.fail INTO fail FROM gate g WHERE g.id = 1 FOR UPDATE;
        IF fail THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the job insert failed'; END IF;
      END`);
    archiveDir = await mkdtemp(join(tmpdir(), 'vigil-receive-commit-'));
    const archiveStore = createLocalArchiveStore(archiveDir);
    app = createApp(testDeps({ db: own.db, clock: createTestClock(at), vault: testVault(), archiveStore }));
  }, 120_000);
  afterAll(async () => {
    await own?.drop();
    if (archiveDir) await rm(archiveDir, { recursive: true, force: true });
  });

  const session = (): Knex => {
    const db = createDb({ ...own.config, poolMax: 1 });
    onTestFinished(() => db.destroy());
    return db;
  };

  it('fails and writes nothing when the job cannot be inserted', async () => {
    const participantId = await enrol(app, own.db, 'rc_fail');
    const before = await written(own.db, participantId);
    const db = session();
    await own.db('gate').update({ fail: true });
    onTestFinished(async () => {
      await own.db('gate').update({ fail: false });
    });
    const failed = await commitReceived(db, attemptOf(participantId, at), uploadOf(participantId, 'a.csv')).then(
      () => undefined,
      (err: unknown) => err
    );
    expect(String(failed)).toContain('the job insert failed');
    expect(isDuplicateKey(failed)).toBe(false);
    const [[open]] = (await db.raw('SELECT @@in_transaction AS n')) as [{ n: number }[]];
    expect(open!.n).toBe(0);
    expect(await written(own.db, participantId)).toEqual(before);
  });

  it.for(['QUERY', 'CONNECTION'])(
    'killed (KILL %s) after the upload row, before its job: nothing is written',
    async (kill) => {
      const participantId = await enrol(app, own.db, `rc_kill_${kill.toLowerCase()}`);
      const before = await written(own.db, participantId);
      const db = session();
      const [[{ id }]] = (await db.raw('SELECT CONNECTION_ID() AS id')) as [[{ id: number }]];

      const locker = session();
      const gate = await locker.transaction();
      onTestFinished(async () => {
        if (!gate.isCompleted()) await gate.rollback();
      });
      await gate.raw('SELECT * FROM gate WHERE id = 1 FOR UPDATE');
      const call = commitReceived(db, attemptOf(participantId, at), uploadOf(participantId, 'a.csv')).then(
        () => 'committed',
        () => 'failed'
      );
      // Waiting at the gate with the attempt, its history row and the upload row written.
      let modified: number | undefined;
      for (let i = 0; i < 200 && modified === undefined; i++) {
        await sleep(25);
        const [rows] = (await own.db.raw(
          "SELECT trx_rows_modified AS n FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'",
          [id]
        )) as [{ n: number }[]];
        modified = rows[0]?.n;
      }
      expect(modified).toBe(3);
      await own.db.raw(`KILL ${kill} ?`, [id]);
      expect(await call).toBe('failed');
      await gate.rollback();

      expect(await written(own.db, participantId)).toEqual(before);
      if (kill === 'QUERY') {
        const [[open]] = (await db.raw('SELECT @@in_transaction AS n')) as [{ n: number }[]];
        expect(open!.n).toBe(0);
      }
    }
  );
});
