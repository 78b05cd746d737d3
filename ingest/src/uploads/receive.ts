import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { openKeyLine } from '../beiwe/credentials/key-cache.ts';
import type { MobileForm } from '../beiwe/mobile/body.ts';
import { attemptParameters, recordUploadAttempt, type Phone, type UploadAttempt } from '../beiwe/mobile/phone-store.ts';
import { parseUploadFileName } from '../beiwe/protocol/file-name.ts';
import { isDuplicateKey } from '../db.ts';
import type { Logger } from '../log.ts';
import type { Vault } from '../vault/vault.ts';
import type { UploadArchive } from './archive.ts';
import { findSameUpload, type NewUpload } from './store.ts';

export type UploadAnswer = { status: 200 | 400; body: string };

export type ReceiveDeps = { db: Knex; vault: Vault; archive: UploadArchive; log: Logger };

const SUCCESS: UploadAnswer = { status: 200, body: 'upload successful.' };
const NEWLINE = 0x0a;

/**
 * The upload endpoint's decision (spec §3.6, in its order). A 200 tells the phone to delete its
 * copy, so every 200 for data is given only once the bytes are durably archived and the upload's
 * row (and its processing job) are committed. Files the protocol tells the phone to drop (a junk
 * name, an undecryptable key) are still archived when they carry data, so nothing sent is lost.
 * The attempt is recorded whatever the answer (as Beiwe does); when a file is stored, in its commit.
 */
export async function receiveUpload(
  deps: ReceiveDeps,
  phone: Phone,
  form: MobileForm,
  osType: string,
  now: Date,
  uploadAttempt: UploadAttempt
): Promise<UploadAnswer> {
  const attempt: Attempt = { record: uploadAttempt, committed: false };
  let answer: UploadAnswer;
  try {
    answer = await answerUpload(deps, phone, form, osType, now, attempt);
  } catch (err) {
    // The failure the phone is told of is the upload's, not this record's.
    if (!attempt.committed) await recordUploadAttempt(deps.db, uploadAttempt).catch(() => undefined);
    throw err;
  }
  if (!attempt.committed) await recordUploadAttempt(deps.db, uploadAttempt);
  return answer;
}

/** The attempt to record, and whether an upload's commit has recorded it. */
type Attempt = { readonly record: UploadAttempt; committed: boolean };

async function answerUpload(
  deps: ReceiveDeps,
  phone: Phone,
  form: MobileForm,
  osType: string,
  now: Date,
  attempt: Attempt
): Promise<UploadAnswer> {
  const fileName = form.fields.get('file_name') ?? form.fileName ?? '';
  const parsed = parseUploadFileName(fileName, now);
  if (!parsed.ok) {
    if (form.file && hasData(form.file)) {
      attempt.committed = await store(
        deps,
        phone,
        form.file,
        {
          fileName: fileName.slice(0, 255),
          stream: 'unknown',
          fileTime: now,
          osType,
          encrypted: true,
          status: 'rejected',
          error: parsed.reason,
          archivePath: `rejected/${randomUUID()}`,
        },
        now,
        attempt.record
      );
    }
    return { status: 200, body: 'file obviously invalid.' };
  }
  if (phone.retired) return { status: 200, body: 'participant permanently retired.' };
  if (phone.studyDeleted) return { status: 200, body: 'study is deleted, stopped, or ended.' };
  if (!form.file) return { status: 400, body: 'file not present' };
  if (!hasData(form.file))
    return { status: 200, body: "file was bad due to 'The file had no data in it.', delete it." };

  const keyError = checkKeyLine(deps.vault, phone, form.file);
  attempt.committed = await store(
    deps,
    phone,
    form.file,
    {
      fileName,
      stream: parsed.stream,
      fileTime: parsed.timestamp,
      osType,
      encrypted: true,
      status: keyError ? 'key_error' : 'queued',
      error: keyError,
      archivePath: parsed.path,
    },
    now,
    attempt.record
  );
  return keyError ? { status: 200, body: `file had decryption key error '${keyError}'` } : SUCCESS;
}

type Stored = Pick<NewUpload, 'fileName' | 'stream' | 'fileTime' | 'osType' | 'encrypted' | 'status' | 'error'> & {
  archivePath: string;
};

export type ArchivedUpload = NewUpload;

/**
 * Archives the bytes (fsync'd) and returns the row to commit; undefined when `lookUp` and the same
 * participant already sent this file with this content (a re-send after a timeout), which needs
 * nothing more. Without `lookUp`, such a re-send is found when its row does not commit.
 */
export async function archiveUpload(
  deps: ReceiveDeps,
  phone: Phone,
  bytes: Buffer,
  upload: Stored,
  now: Date,
  { lookUp = true }: { lookUp?: boolean } = {}
): Promise<ArchivedUpload | undefined> {
  const sha256 = createHash('sha256').update(bytes).digest();
  if (lookUp && (await findSameUpload(deps.db, phone.participantId, upload.fileName, sha256))) return undefined;
  // The hash in the key keeps a different file under the same name from replacing this one.
  const archiveKey = `study-${phone.studyId}/${upload.archivePath}.${sha256.toString('hex', 0, 8)}`;
  await deps.archive.put(phone.studyId, archiveKey, bytes);
  return {
    fileName: upload.fileName,
    stream: upload.stream,
    fileTime: upload.fileTime,
    osType: upload.osType,
    encrypted: upload.encrypted,
    status: upload.status,
    error: upload.error,
    participantId: phone.participantId,
    receivedAt: now,
    sizeBytes: bytes.length,
    sha256,
    archiveKey,
  };
}

/**
 * Commits an archived upload's row, and its processing job when it is to be processed, in the
 * caller's transaction (`store_upload`, which starts none).
 */
export async function commitUpload(trx: Knex, upload: ArchivedUpload): Promise<void> {
  await trx.raw('CALL store_upload(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    upload.participantId,
    ...uploadParameters(upload),
  ]);
}

/**
 * Archives the bytes, then commits the attempt, the upload's row and its job together: one commit,
 * in one round trip (the `receive_upload` procedure). The same file sent again (a re-send after a
 * timeout, or two at once) rewrites the same archive object (its key is made of the name and the
 * content's hash) with the same content, and its row does not commit: the first one stands.
 * True when this call committed the upload, and with it the attempt.
 */
export async function store(
  deps: ReceiveDeps,
  phone: Phone,
  bytes: Buffer,
  upload: Stored,
  now: Date,
  attempt: UploadAttempt
): Promise<boolean> {
  // A rejected file's archive key is random, so a re-send of it is looked up rather than archived again.
  const lookUp = upload.status === 'rejected';
  const archived = await archiveUpload(deps, phone, bytes, upload, now, { lookUp });
  if (!archived) return false;
  try {
    await commitReceived(deps.db, attempt, archived);
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return false;
  }
}

/**
 * The attempt, the upload's row and its job (when it is to be processed) in one transaction. The
 * procedure rolls everything back on any error before answering, so a failed CALL leaves nothing
 * written and no transaction open on the pooled connection.
 */
export async function commitReceived(db: Knex, attempt: UploadAttempt, u: ArchivedUpload): Promise<void> {
  await db.raw('CALL receive_upload(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    ...attemptParameters(attempt),
    ...uploadParameters(u),
  ]);
}

/** The upload as `store_upload` and `receive_upload` take it after the participant, in their order. */
function uploadParameters(u: ArchivedUpload) {
  return [
    u.fileName,
    u.stream,
    u.fileTime,
    u.osType,
    u.encrypted,
    u.receivedAt,
    u.sizeBytes,
    u.sha256,
    u.archiveKey,
    u.status,
    u.error?.slice(0, 1000) ?? null,
  ];
}

/**
 * Beiwe checks the key line while the phone waits; the key is parsed once per participant, so only
 * the RSA operation remains, and processing in this process reuses its result (`openKeyLine`).
 */
function checkKeyLine(vault: Vault, phone: Phone, file: Buffer): string | undefined {
  let start = 0;
  while (file[start] === NEWLINE) start++;
  let end = file.indexOf(NEWLINE, start);
  if (end < 0) end = file.length;
  const key = openKeyLine(vault, phone.participantId, phone.privateKeySealed, file.subarray(start, end), true);
  return key.ok ? undefined : key.reason;
}

/** Beiwe splits on newlines and drops empty lines; a file with nothing left is "empty". */
function hasData(file: Buffer): boolean {
  for (const byte of file) if (byte !== NEWLINE) return true;
  return false;
}
