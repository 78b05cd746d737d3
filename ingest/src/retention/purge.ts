import type { Knex } from 'knex';
import { ArchiveUnavailableError } from '../archive/store.ts';
import type { ArchiveStore } from '../archive/store.ts';
import type { Actor } from '../audit/store.ts';
import { recordAudit } from '../audit/store.ts';
import { UNTIMED } from '../db.ts';
import { UnavailableError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { PARTITIONED_TABLES } from '../streams/partitions.ts';
import { purgeCutoff } from './window.ts';
import { WEARABLES_FOLDER, wearableArchiveFolder } from '../wearables/archive-folder.ts';

export type PurgeResult = { studies: number; participants: number; archiveObjects: number };

export type PurgeDeps = { db: Knex; archive: ArchiveStore; log: Logger };

/** Some archive files could not be deleted: their rows are kept, so the next purge finds them again. */
export class PurgeIncompleteError extends UnavailableError {}

/** What stands in for a purged patient id in the data-access records that named it. */
const PURGED = '[purged]';
/** Archive folders that hold no one participant's files (junk names, by upload). */
const SHARED_FOLDERS = new Set(['rejected', WEARABLES_FOLDER]);

type Member = { id: number; patientId: string | null };

/**
 * Really deletes what was soft-deleted longer ago than the retention window: participants first,
 * then studies (whose remaining participants go with them through the foreign key).
 *
 * Each one's archive files are deleted, and checked gone, before its rows: the rows are the record
 * of which files are its, so a purge stopped midway (archive disk failing, process killed) leaves
 * them to the next purge, which deletes what is left (deleting is idempotent). The rows then go in
 * one transaction with the deletion receipt (an audit row: what, how many archive objects, when)
 * and with the minimising of the audit trail and data-access records, which keep only what proves
 * who did what when. Files an upload wrote at the last moment are swept after the commit, and
 * folders whose participant or study no longer exists are swept on every run. Deleting months of
 * 10 Hz rows may take longer than a request's query timeout, so those statements have none.
 */
export async function purgeExpired(
  deps: PurgeDeps,
  now: Date,
  retentionDays: number,
  actor: Actor,
  requestId?: string
): Promise<PurgeResult> {
  const { db, log } = deps;
  const cutoff = purgeCutoff(now, retentionDays);
  const result: PurgeResult = { studies: 0, participants: 0, archiveObjects: 0 };
  const unfinished: string[] = [];
  // One participant's files failing to delete does not hold up the others'.
  const attempt = async <T>(what: string, purge: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await purge();
    } catch (err) {
      if (!(err instanceof ArchiveUnavailableError)) throw err;
      log.warn({ what, err: err.message }, 'purge could not delete archive files; the next purge retries');
      unfinished.push(what);
      return undefined;
    }
  };
  const ctx = { ...deps, cutoff, now, actor, requestId };
  for (const id of (await db('participants').where('deleted_at', '<', cutoff).pluck('id')) as number[]) {
    const objects = await attempt(`participant ${id}`, () => purgeParticipant(ctx, id));
    if (objects === undefined) continue;
    result.participants += 1;
    result.archiveObjects += objects;
  }
  for (const id of (await db('studies').where('deleted_at', '<', cutoff).pluck('id')) as number[]) {
    const objects = await attempt(`study ${id}`, () => purgeStudy(ctx, id));
    if (objects === undefined) continue;
    result.studies += 1;
    result.archiveObjects += objects;
  }
  await attempt('folders of purged participants and studies', () => sweepPurgedFolders(deps));
  await minimiseEarlierPurges(db);
  if (unfinished.length > 0) {
    throw new PurgeIncompleteError(
      `purge incomplete: the archive could not delete the files of ${unfinished.join(', ')}; ` +
        `what was purged (${result.participants} participants, ${result.studies} studies) stays purged; run the purge again`
    );
  }
  return result;
}

type Context = PurgeDeps & { cutoff: Date; now: Date; actor: Actor; requestId: string | undefined };

async function purgeParticipant(ctx: Context, id: number): Promise<number | undefined> {
  const { db, archive, cutoff } = ctx;
  const found = (await db('participants as p')
    .leftJoin('beiwe_participants as b', 'b.participant_id', 'p.id')
    .where('p.id', id)
    .where('p.deleted_at', '<', cutoff)
    .first('p.study_id', 'p.deleted_at', 'b.patient_id')) as
    { study_id: number; deleted_at: Date; patient_id: string | null } | undefined;
  if (!found) return undefined;
  const member: Member = { id, patientId: found.patient_id };
  const folder = found.patient_id ? `study-${found.study_id}/${found.patient_id}` : undefined;
  const deleted = await deleteObjects(archive, await objectsOf(db, archive, [member], folder));
  // Wearable files (ECG signals) are named by no upload row: the participant's folder holds only theirs.
  const wearables = wearableArchiveFolder(found.study_id, id);
  for (const key of await deleteObjects(archive, await archive.list(wearables))) deleted.add(key);
  const purged = await db.transaction(async (trx) => {
    const locked = (await trx('participants')
      .where({ id })
      .where('deleted_at', '<', cutoff)
      .forUpdate()
      .first('id')) as object | undefined;
    if (!locked) return false;
    await deleteLateObjects(trx, archive, [id], deleted);
    const minimised = await minimiseRecords(trx, [member]);
    for (const table of PARTITIONED_TABLES) await trx(table).where('participant_id', id).options(UNTIMED).delete();
    await trx('participants').where({ id }).options(UNTIMED).delete();
    await recordAudit(trx, ctx.now, {
      caller: ctx.actor,
      requestId: ctx.requestId,
      action: 'participant.purge',
      target: { type: 'participant', id, studyId: found.study_id },
      before: { deletedAt: found.deleted_at },
      after: { archiveObjectsDeleted: deleted.size, ...minimised },
    });
    return true;
  });
  if (!purged) return undefined;
  if (folder) await emptyFolder(db, archive, folder);
  await archive.removeFolder(wearables);
  return deleted.size;
}

async function purgeStudy(ctx: Context, id: number): Promise<number | undefined> {
  const { db, archive, cutoff } = ctx;
  const found = (await db('studies').where({ id }).where('deleted_at', '<', cutoff).first('deleted_at')) as
    { deleted_at: Date } | undefined;
  if (!found) return undefined;
  const folder = `study-${id}`;
  const members = async (q: Knex) =>
    (
      (await q('participants as p')
        .leftJoin('beiwe_participants as b', 'b.participant_id', 'p.id')
        .where('p.study_id', id)
        .select('p.id', 'b.patient_id as patientId')) as Member[]
    ).map((m) => ({ ...m, id: Number(m.id) }));
  // The study's data key goes with its row (foreign key), so every file under it is deleted first.
  const deleted = await deleteObjects(archive, await objectsOf(db, archive, await members(db), folder));
  const purged = await db.transaction(async (trx) => {
    const locked = (await trx('studies').where({ id }).where('deleted_at', '<', cutoff).forUpdate().first('id')) as
      object | undefined;
    if (!locked) return false;
    const inStudy = await members(trx);
    const ids = inStudy.map((m) => m.id);
    await deleteLateObjects(trx, archive, ids, deleted);
    const minimised = await minimiseRecords(trx, inStudy);
    // Partitioned tables cannot have foreign keys, so the cascade does not reach the motion rows.
    if (ids.length > 0)
      for (const table of PARTITIONED_TABLES) await trx(table).whereIn('participant_id', ids).options(UNTIMED).delete();
    await trx('studies').where({ id }).options(UNTIMED).delete();
    await recordAudit(trx, ctx.now, {
      caller: ctx.actor,
      requestId: ctx.requestId,
      action: 'study.purge',
      target: { type: 'study', id, studyId: id },
      before: { deletedAt: found.deleted_at },
      after: { participants: ids.length, archiveObjectsDeleted: deleted.size, ...minimised },
    });
    return true;
  });
  if (!purged) return undefined;
  await emptyFolder(db, archive, folder);
  return deleted.size;
}

/** The archive keys of these participants' uploads, and any other object in their folder that no one else's upload names. */
async function objectsOf(db: Knex, archive: ArchiveStore, members: readonly Member[], folder?: string) {
  const keys = new Set(
    members.length === 0
      ? []
      : ((await db('uploads')
          .whereIn(
            'participant_id',
            members.map((m) => m.id)
          )
          .pluck('archive_key')) as string[])
  );
  if (folder) {
    const others = (await archive.list(folder)).filter((k) => !keys.has(k));
    for (const key of await unclaimed(db, others, members)) keys.add(key);
  }
  return keys;
}

/**
 * The objects among `keys` that no upload row of anyone outside `members` names. A phone chooses its
 * file names, so a file may sit in another patient id's folder; it is that uploader's, not the folder's.
 */
async function unclaimed(db: Knex, keys: readonly string[], members: readonly Member[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const claimed = new Set<string>();
  for (let i = 0; i < keys.length; i += 1000) {
    const q = db('uploads').whereIn('archive_key', keys.slice(i, i + 1000));
    if (members.length > 0)
      void q.whereNotIn(
        'participant_id',
        members.map((m) => m.id)
      );
    for (const key of (await q.pluck('archive_key')) as string[]) claimed.add(key);
  }
  return keys.filter((k) => !claimed.has(k));
}

/** Deletes every key and checks it is gone; throws `ArchiveUnavailableError` on the first that is not. */
async function deleteObjects(archive: ArchiveStore, keys: Iterable<string>): Promise<Set<string>> {
  const deleted = new Set<string>();
  for (const key of keys) {
    await archive.delete(key);
    if (await archive.exists(key))
      throw new ArchiveUnavailableError(`archive object ${key} still exists after delete`, undefined);
    deleted.add(key);
  }
  return deleted;
}

/** Uploads committed after the files were listed: their files are deleted before their rows go. */
async function deleteLateObjects(trx: Knex, archive: ArchiveStore, ids: readonly number[], deleted: Set<string>) {
  if (ids.length === 0) return;
  const keys = (await trx('uploads').whereIn('participant_id', ids).pluck('archive_key')) as string[];
  for (const key of await deleteObjects(
    archive,
    keys.filter((k) => !deleted.has(k))
  ))
    deleted.add(key);
}

/**
 * The audit trail keeps who did what to which participant and when, not what the rows said (labels,
 * patient ids, device details); data-access records keep the request, with the patient id replaced.
 */
async function minimiseRecords(trx: Knex, members: readonly Member[]) {
  if (members.length === 0) return { auditRowsMinimised: 0, accessRecordsMinimised: 0 };
  const ids = members.map((m) => m.id);
  const connections = (await trx('device_connections').whereIn('participant_id', ids).pluck('id')) as number[];
  const auditRowsMinimised = await trx('audit_log')
    .where((q) => {
      void q.where('target_type', 'participant').whereIn('target_id', ids.map(String));
      if (connections.length > 0)
        void q.orWhere((c) => void c.where('target_type', 'connection').whereIn('target_id', connections.map(String)));
    })
    .where((q) => void q.whereNotNull('before').orWhereNotNull('after'))
    .update({ before: null, after: null });
  let accessRecordsMinimised = 0;
  for (const { patientId } of members) {
    if (!patientId) continue;
    const like = `%${patientId.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    accessRecordsMinimised += await trx('data_access_attempts')
      .where((q) => void q.where('query', 'like', like).orWhere('outcome', 'like', like))
      .update({
        query: trx.raw('REPLACE(query, ?, ?)', [patientId, PURGED]),
        outcome: trx.raw('REPLACE(outcome, ?, ?)', [patientId, PURGED]),
      });
  }
  return { auditRowsMinimised, accessRecordsMinimised };
}

/** Deletes what is left in a purged folder (an upload that raced the purge) and the folder itself. */
async function emptyFolder(db: Knex, archive: ArchiveStore, folder: string): Promise<void> {
  await deleteObjects(archive, await unclaimed(db, await archive.list(folder), []));
  await archive.removeFolder(folder);
}

/**
 * Study folders whose study is gone and participant folders whose patient id is gone: what a purge
 * stopped after its commit left behind (and what purges before files were deleted left).
 */
async function sweepPurgedFolders({ db, archive }: PurgeDeps): Promise<void> {
  const studies = new Set(((await db('studies').pluck('id')) as number[]).map((id) => `study-${id}`));
  for (const study of await archive.folders()) {
    if (!/^study-\d+$/.test(study)) continue;
    if (!studies.has(study)) {
      await emptyFolder(db, archive, study);
      continue;
    }
    const names = (await archive.folders(study)).filter((n) => !SHARED_FOLDERS.has(n));
    if (names.length === 0) continue;
    const live = new Set((await db('beiwe_participants').whereIn('patient_id', names).pluck('patient_id')) as string[]);
    for (const name of names) if (!live.has(name)) await emptyFolder(db, archive, `${study}/${name}`);
  }
}

/**
 * Participants purged before purges minimised the trail (or deleted some other way) still had their
 * audit rows' contents, and receipts with their label: those are minimised as a purge does now.
 */
async function minimiseEarlierPurges(db: Knex): Promise<void> {
  const gone = db.raw(
    "a.target_type = 'participant' AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.id = CAST(a.target_id AS UNSIGNED))"
  );
  await db('audit_log as a')
    .where(gone)
    .whereNot('a.action', 'participant.purge')
    .where((q) => void q.whereNotNull('a.before').orWhereNotNull('a.after'))
    .update({ 'a.before': null, 'a.after': null });
  await db('audit_log as a')
    .where(gone)
    .where('a.action', 'participant.purge')
    .whereRaw("(JSON_EXISTS(a.before, '$.label') OR JSON_EXISTS(a.before, '$.status'))")
    .update({ 'a.before': db.raw("JSON_REMOVE(a.before, '$.label', '$.status')") });
}
