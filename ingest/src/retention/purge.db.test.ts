import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { describe, expect, onTestFinished } from 'vitest';
import { createApp } from '../app.ts';
import { createLocalArchiveStore } from '../archive/local-store.ts';
import { auditRowsFor, insertParticipant, insertStudy, uniqueName } from '../test/factories.ts';
import { asAdmin, asViewer, jsonBody, test, testDeps, withoutSecret, type TestClock } from '../test/fixtures.ts';
import type { UploadArchive } from '../uploads/archive.ts';
import { commitUpload } from '../uploads/receive.ts';
import type { Vault } from '../vault/vault.ts';
import { wearableArchiveFolder } from '../wearables/archive-folder.ts';

const execFileAsync = promisify(execFile);

const DAY = 86_400_000;

describe('POST /api/v1/purge', () => {
  test('deletes only what is past the window, with the study cascade, and audits each purge', async ({
    app,
    db,
    clock,
  }) => {
    const kept = await insertStudy(db);
    const live = await insertParticipant(db, kept.id);
    const recentlyDeleted = await insertParticipant(db, kept.id);
    const longDeleted = await insertParticipant(db, kept.id);
    const goneStudy = await insertStudy(db);
    const insideGoneStudy = await insertParticipant(db, goneStudy.id);

    const now = clock();
    const old = new Date(now.getTime() - 31 * DAY);
    await db('participants')
      .where({ id: recentlyDeleted.id })
      .update({ deleted_at: new Date(now.getTime() - 29 * DAY) });
    await db('participants').where({ id: longDeleted.id }).update({ deleted_at: old });
    await db('studies').where({ id: goneStudy.id }).update({ deleted_at: old });

    // Motion tables are partitioned (no foreign keys): the purge must remove their rows itself.
    await db('accelerometer').insert([
      { participant_id: longDeleted.id, t: new Date('2026-11-20T10:00:00Z'), os: 1, accuracy: 3, x: 1, y: 2, z: 3 },
      { participant_id: insideGoneStudy.id, t: new Date('2026-11-20T10:00:00Z'), os: 1, accuracy: 3, x: 1, y: 2, z: 3 },
      { participant_id: live.id, t: new Date('2026-11-20T10:00:00Z'), os: 1, accuracy: 3, x: 1, y: 2, z: 3 },
    ]);
    const res = await app.request('/api/v1/purge', { method: 'POST', headers: asAdmin });
    expect(res.status).toBe(200);
    const { purged } = (await res.json()) as { purged: { studies: number; participants: number } };
    // Other tests' rows may also be past the window; ours must be among what went.
    expect(purged.studies).toBeGreaterThanOrEqual(1);
    expect(purged.participants).toBeGreaterThanOrEqual(1);

    const remaining = (await db('participants')
      .whereIn('id', [live.id, recentlyDeleted.id, longDeleted.id, insideGoneStudy.id])
      .pluck('id')) as number[];
    expect(remaining.sort()).toEqual([live.id, recentlyDeleted.id].sort());
    expect(await db('studies').where({ id: kept.id }).first()).toBeDefined();
    expect(
      await db('accelerometer')
        .whereIn('participant_id', [longDeleted.id, insideGoneStudy.id, live.id])
        .pluck('participant_id')
    ).toEqual([live.id]);
    expect(await db('studies').where({ id: goneStudy.id }).first()).toBeUndefined();

    expect((await auditRowsFor(db, 'participant', longDeleted.id)).map((a) => [a.action, a.actor.login])).toEqual([
      ['participant.purge', 'ann'],
    ]);
    const [studyPurge] = await auditRowsFor(db, 'study', goneStudy.id);
    expect(studyPurge).toMatchObject({ action: 'study.purge', after: { participants: 1 } });
  });

  test('403 for a Viewer and 401 without secret, purging nothing', async ({ app, db, clock }) => {
    const study = await insertStudy(db);
    await db('studies')
      .where({ id: study.id })
      .update({ deleted_at: new Date(clock().getTime() - 40 * DAY) });
    expect((await app.request('/api/v1/purge', { method: 'POST', headers: asViewer })).status).toBe(403);
    expect((await app.request('/api/v1/purge', { method: 'POST', headers: withoutSecret })).status).toBe(401);
    expect(await db('studies').where({ id: study.id }).first()).toBeDefined();
  });
});

describe('purge deletes the archive', () => {
  type Setup = Awaited<ReturnType<typeof enrolAndUpload>>;

  /**
   * Two studies, one to purge; in the kept one a participant to purge and one to keep. Each has
   * archived uploads (as the upload endpoint stores them), the purged one also a file a crash left
   * without a row and a crash's temp file, and a data-access record naming it.
   */
  async function enrolAndUpload(app: App, db: Knex, archive: UploadArchive, root: string) {
    const kept = await createStudy(app);
    const gone = await createStudy(app);
    const leaving = await enrol(app, kept);
    const staying = await enrol(app, kept);
    const inGone = await enrol(app, gone);
    const upload = async (who: Enrolled, path: string, owner = who) => {
      const key = `study-${owner.studyId}/${path}`;
      await archive.put(owner.studyId, key, Buffer.from(`data of ${path}`));
      await commitUpload(db, {
        participantId: owner.id,
        fileName: path.replaceAll('/', '_'),
        stream: 'accel',
        fileTime: new Date(),
        osType: 'android',
        encrypted: true,
        receivedAt: new Date(),
        sizeBytes: 10,
        sha256: randomBytes(32),
        archiveKey: key,
        status: 'processed',
      });
      return key;
    };
    const keys = {
      leaving: [
        await upload(leaving, `${leaving.patientId}/identifiers/1700000000.csv`),
        await upload(leaving, `${leaving.patientId}/accel/1700000000000.csv.aa`),
        await upload(leaving, `${leaving.patientId}/gps/1700000000000.csv.bb`),
        await upload(leaving, `rejected/${randomBytes(8).toString('hex')}.cc`),
      ],
      // A phone names its files: this one sits in the leaving participant's folder, but is the staying one's.
      staying: [
        await upload(staying, `${staying.patientId}/accel/1700000000000.csv.dd`),
        await upload(staying, `${leaving.patientId}/accel/1700000009999.csv.ee`, staying),
      ],
      inGone: [await upload(inGone, `${inGone.patientId}/accel/1700000000000.csv.ff`)],
    };
    // Archived, then the process died before the row was committed: no row names it.
    await archive.put(kept.id, `study-${kept.id}/${leaving.patientId}/accel/1700000000001.csv.00`, Buffer.from('x'));
    await archive.put(gone.id, `study-${gone.id}/${inGone.patientId}/gps/1700000000001.csv.00`, Buffer.from('x'));
    await writeFile(join(root, `study-${kept.id}`, leaving.patientId, 'accel', '.tmp-crashed'), 'half');

    await db('data_access_attempts').insert([
      dataAccess(kept.id, [leaving.patientId, staying.patientId], `no data for ${leaving.patientId}`),
      dataAccess(kept.id, [staying.patientId], 'ok'),
    ]);
    return { kept, gone, leaving, staying, inGone, keys };
  }

  async function softDelete(db: Knex, clock: TestClock, s: Setup) {
    const old = new Date(clock().getTime() - 31 * DAY);
    await db('participants').where({ id: s.leaving.id }).update({ deleted_at: old });
    await db('studies').where({ id: s.gone.id }).update({ deleted_at: old });
  }

  test('leaves no file or folder of the purged participant and study, keeps the others, and records receipts', async ({
    db,
    clock,
    vault,
  }) => {
    const { root, archiveStore, app, deps } = await ownArchive(db, clock, vault);
    const s = await enrolAndUpload(app, db, deps.archive, root);
    await softDelete(db, clock, s);

    const res = await app.request('/api/v1/purge', { method: 'POST', headers: asAdmin });
    expect(res.status).toBe(200);

    const left = await walk(root);
    expect(left.filter((p) => mentions(p, s.leaving.patientId, s.keys.staying))).toEqual([]);
    expect(left.filter((p) => p.includes(s.inGone.patientId) || p.startsWith(`study-${s.gone.id}`))).toEqual([]);
    for (const key of [...s.keys.leaving, ...s.keys.inGone]) expect(await archiveStore.exists(key), key).toBe(false);
    // The staying participant's files, including the one in the other's folder, still open.
    for (const key of s.keys.staying) {
      expect((await deps.archive.get(s.kept.id, key)).toString()).toMatch(/^data of /);
    }

    const [receipt, ...none] = (await auditRowsFor(db, 'participant', s.leaving.id)).filter(
      (a) => a.action === 'participant.purge'
    );
    expect(none).toEqual([]);
    // 4 uploads, the orphan; the temp file is not an object.
    expect(receipt?.after).toMatchObject({
      archiveObjectsDeleted: 5,
      auditRowsMinimised: 1,
      accessRecordsMinimised: 1,
    });
    const [studyReceipt] = await auditRowsFor(db, 'study', s.gone.id).then((rows) =>
      rows.filter((a) => a.action === 'study.purge')
    );
    expect(studyReceipt?.after).toMatchObject({ participants: 1, archiveObjectsDeleted: 2 });

    // The trail and access records keep who did what when, not the label or patient id.
    const trail = JSON.stringify([
      ...(await auditRowsFor(db, 'participant', s.leaving.id)),
      ...(await auditRowsFor(db, 'participant', s.inGone.id)),
    ]);
    expect(trail).toContain('participant.create');
    for (const secret of [s.leaving.label, s.leaving.patientId, s.inGone.label, s.inGone.patientId]) {
      expect(trail).not.toContain(secret);
      expect(JSON.stringify(await db('data_access_attempts').where('study_id', s.kept.id))).not.toContain(secret);
    }
    const queries = (await db('data_access_attempts')
      .where('study_id', s.kept.id)
      .orderBy('id')
      .pluck('query')) as unknown[];
    expect(queries.map((q) => (typeof q === 'string' ? (JSON.parse(q) as unknown) : q))).toEqual([
      { participant_ids: ['[purged]', s.staying.patientId] },
      { participant_ids: [s.staying.patientId] },
    ]);
    expect(await auditRowsFor(db, 'participant', s.staying.id)).toMatchObject([
      { action: 'participant.create', after: { label: s.staying.label } },
    ]);
  });

  test('removes a purged participant’s wearable files (ECG signals) and keeps the others’', async ({
    db,
    clock,
    vault,
  }) => {
    const { root, app, deps } = await ownArchive(db, clock, vault);
    const study = await createStudy(app);
    const leaving = await enrol(app, study);
    const staying = await enrol(app, study);
    const signal = (who: Enrolled) => `${wearableArchiveFolder(study.id, who.id)}/withings-ecg/4001.json`;
    await deps.archive.put(study.id, signal(leaving), Buffer.from('{"signal":[1,2]}'));
    await deps.archive.put(study.id, signal(staying), Buffer.from('{"signal":[3,4]}'));
    await db('participants')
      .where({ id: leaving.id })
      .update({ deleted_at: new Date(clock().getTime() - 31 * DAY) });

    expect((await app.request('/api/v1/purge', { method: 'POST', headers: asAdmin })).status).toBe(200);
    const left = await walk(root);
    expect(left.filter((p) => p.startsWith(`${wearableArchiveFolder(study.id, leaving.id)}`))).toEqual([]);
    // The sweep of stray phone folders leaves the wearables folder: it is no patient id.
    expect((await deps.archive.get(study.id, signal(staying))).toString()).toBe('{"signal":[3,4]}');
    const [receipt] = (await auditRowsFor(db, 'participant', leaving.id)).filter(
      (a) => a.action === 'participant.purge'
    );
    expect(receipt?.after).toMatchObject({ archiveObjectsDeleted: 1 });
  });

  test('a purge the archive fails midway keeps the rows, and the next one finishes', async ({ db, clock, vault }) => {
    const { root, app, deps, archiveStore } = await ownArchive(db, clock, vault);
    const s = await enrolAndUpload(app, db, deps.archive, root);
    await softDelete(db, clock, s);
    // The gps folder cannot lose entries: the identifiers and accel files go, gps stays.
    const stuck = join(root, `study-${s.kept.id}`, s.leaving.patientId, 'gps');
    await undeletable(stuck, true);
    try {
      const failed = await app.request('/api/v1/purge', { method: 'POST', headers: asAdmin });
      expect(failed.status).toBe(503);
      expect(((await failed.json()) as { error: { message: string } }).error.message).toContain(
        `participant ${s.leaving.id}`
      );
      expect(await db('participants').where({ id: s.leaving.id }).first('id')).toBeDefined();
      expect(await db('uploads').where({ participant_id: s.leaving.id }).count({ n: '*' })).toEqual([{ n: 4 }]);
      expect(await Promise.all(s.keys.leaving.slice(0, 3).map((k) => archiveStore.exists(k)))).toEqual([
        false,
        false,
        true,
      ]);
      // What did not depend on the stuck folder went through.
      expect(await db('studies').where({ id: s.gone.id }).first('id')).toBeUndefined();
    } finally {
      await undeletable(stuck, false);
    }

    const retried = await app.request('/api/v1/purge', { method: 'POST', headers: asAdmin });
    expect(retried.status).toBe(200);
    expect((await walk(root)).filter((p) => mentions(p, s.leaving.patientId, s.keys.staying))).toEqual([]);
    expect(await db('participants').where({ id: s.leaving.id }).first('id')).toBeUndefined();
    const receipts = (await auditRowsFor(db, 'participant', s.leaving.id)).filter(
      (a) => a.action === 'participant.purge'
    );
    expect(receipts.map((r) => r.after)).toMatchObject([{ archiveObjectsDeleted: 5 }]);
  });

  test('sweeps the folders of participants and studies purged before files were deleted', async ({
    db,
    clock,
    vault,
  }) => {
    const { root, app, deps } = await ownArchive(db, clock, vault);
    const s = await enrolAndUpload(app, db, deps.archive, root);
    // As purges did before: rows gone, files left, the trail as it was, the receipt with the label.
    await db('participants').where({ id: s.leaving.id }).delete();
    await db('studies').where({ id: s.gone.id }).delete();
    await db('audit_log').insert({
      at: new Date(),
      actor_login: 'vigil',
      actor_role: 'System',
      actor_is_server_admin: false,
      action: 'participant.purge',
      target_type: 'participant',
      target_id: String(s.leaving.id),
      study_id: s.kept.id,
      before: JSON.stringify({ label: s.leaving.label, status: 'active', deletedAt: '2026-10-01T00:00:00.000Z' }),
    });

    expect((await app.request('/api/v1/purge', { method: 'POST', headers: asAdmin })).status).toBe(200);
    const left = await walk(root);
    expect(left.filter((p) => mentions(p, s.leaving.patientId, s.keys.staying))).toEqual([]);
    expect(left.filter((p) => p.startsWith(`study-${s.gone.id}`))).toEqual([]);
    for (const key of s.keys.staying) expect(left).toContain(key);

    const trail = await auditRowsFor(db, 'participant', s.leaving.id);
    expect(trail.map((a) => [a.action, a.before, a.after])).toEqual([
      ['participant.create', null, null],
      ['participant.purge', { deletedAt: '2026-10-01T00:00:00.000Z' }, null],
    ]);
    expect(await auditRowsFor(db, 'participant', s.staying.id)).toMatchObject([
      { action: 'participant.create', after: { label: s.staying.label } },
    ]);
  });
});

type App = ReturnType<typeof createApp>;
type Enrolled = { id: number; studyId: number; label: string; patientId: string };

async function ownArchive(db: Knex, clock: TestClock, vault: Vault) {
  const root = await mkdtemp(join(tmpdir(), 'vigil-purge-'));
  onTestFinished(() => rm(root, { recursive: true, force: true }));
  const archiveStore = createLocalArchiveStore(root);
  const deps = testDeps({ db, clock, vault, archiveStore });
  return { root, archiveStore, deps, app: createApp(deps) };
}

async function createStudy(app: App): Promise<{ id: number }> {
  const res = await app.request('/api/v1/studies', {
    method: 'POST',
    headers: asAdmin,
    body: jsonBody({ name: uniqueName('Purge'), timezone: 'UTC' }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number };
}

async function enrol(app: App, study: { id: number }): Promise<Enrolled> {
  const label = `P-${randomBytes(4).toString('hex')}`;
  const res = await app.request(`/api/v1/studies/${study.id}/participants`, {
    method: 'POST',
    headers: asAdmin,
    body: jsonBody({ label, status: 'active' }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { id: number; beiwe: { patientId: string } };
  return { id: body.id, studyId: study.id, label, patientId: body.beiwe.patientId };
}

function dataAccess(studyId: number, ids: string[], outcome: string) {
  return {
    at: new Date(),
    endpoint: 'get-data',
    status: 200,
    outcome,
    study_id: studyId,
    query: JSON.stringify({ participant_ids: ids }),
  };
}

/** A path naming the patient id that is not (the folder of) a file another participant still has there. */
function mentions(path: string, patientId: string, othersKeys: readonly string[]): boolean {
  return path.includes(patientId) && !othersKeys.some((k) => k.startsWith(path));
}

/** Every file under the archive root, as relative paths (folders only through their files). */
async function walk(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .concat(entries.filter((e) => e.isDirectory()).map((e) => `${relative(root, join(e.parentPath, e.name))}/`));
}

/** A folder whose entries cannot be removed: immutable for root (who ignores permissions), read-only otherwise. */
async function undeletable(dir: string, on: boolean): Promise<void> {
  if (process.getuid?.() === 0) await execFileAsync('chattr', [on ? '+i' : '-i', dir]);
  else await chmod(dir, on ? 0o500 : 0o700);
}
