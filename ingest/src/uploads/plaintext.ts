import type { Knex } from 'knex';
import { openKeyLine } from '../beiwe/credentials/key-cache.ts';
import { decryptBeiweFile } from '../beiwe/protocol/decrypt-file.ts';
import type { Vault } from '../vault/vault.ts';
import type { UploadArchive } from './archive.ts';
import type { ProcessingResult, Upload } from './store.ts';

type Owner = { studyId: number; privateKeySealed: string };

/** Participants' study and sealed private key, looked up once per batch rather than once per upload. */
export type KeyCache = Map<number, Promise<Owner>>;

/** An archived upload read back and decrypted with its participant's key (spec §3.4–3.5). */
export async function decryptUpload(
  deps: { db: Knex; vault: Vault; archive: UploadArchive },
  upload: Upload,
  keys: KeyCache = new Map()
): Promise<{ result: ProcessingResult; plaintext: Buffer | undefined }> {
  let owner = keys.get(upload.participantId);
  if (!owner) {
    owner = findOwner(deps, upload.participantId);
    keys.set(upload.participantId, owner);
  }
  const { studyId, privateKeySealed } = await owner;
  const raw = await deps.archive.get(studyId, upload.archiveKey);
  if (!upload.encrypted) {
    return {
      result: { status: 'processed', lines: countLines(raw), badLines: 0, errorCounts: null, error: null },
      plaintext: raw,
    };
  }
  // The key line's AES key, when this process received the upload and opened it then.
  const decrypted = decryptBeiweFile(raw, (keyLine) =>
    openKeyLine(deps.vault, upload.participantId, privateKeySealed, keyLine, false)
  );
  if (decrypted.kind === 'key_error') {
    return {
      result: { status: 'key_error', lines: 0, badLines: 0, errorCounts: null, error: decrypted.reason },
      plaintext: undefined,
    };
  }
  if (decrypted.kind === 'empty') {
    return {
      result: { status: 'processed', lines: 0, badLines: 0, errorCounts: null, error: decrypted.reason },
      plaintext: undefined,
    };
  }
  const badLines = Object.values(decrypted.errors).reduce((a, b) => a + b, 0);
  return {
    result: {
      status: 'processed',
      lines: decrypted.lines,
      badLines,
      errorCounts: badLines > 0 ? decrypted.errors : null,
      error: null,
    },
    plaintext: decrypted.plaintext,
  };
}

async function findOwner(deps: { db: Knex; vault: Vault }, participantId: number): Promise<Owner> {
  const row = (await deps
    .db('participants as p')
    .join('beiwe_participants as b', 'b.participant_id', 'p.id')
    .where('p.id', participantId)
    .first('p.study_id', 'b.private_key_sealed')) as { study_id: number; private_key_sealed: string } | undefined;
  if (!row) throw new Error(`participant ${participantId} has no Beiwe key`);
  return { studyId: row.study_id, privateKeySealed: row.private_key_sealed };
}

function countLines(bytes: Buffer): number {
  if (bytes.length === 0) return 0;
  let n = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}
