import type { Knex } from 'knex';
import { openArchiveObject, sealArchiveObject } from '../archive/codec.ts';
import { generateDataKey, unwrapDataKey, wrapDataKey } from '../archive/data-keys.ts';
import type { ArchiveStore } from '../archive/store.ts';
import type { Vault } from '../vault/vault.ts';

/** The raw archive as uploads use it: each study's objects sealed under that study's data key. */
export type UploadArchive = {
  put(studyId: number, key: string, plaintext: Buffer): Promise<void>;
  get(studyId: number, key: string): Promise<Buffer>;
  /** The objects themselves, for what works on them as bytes (purge, health checks). */
  readonly store: ArchiveStore;
};

export function createUploadArchive({
  db,
  vault,
  store,
}: {
  db: Knex;
  vault: Vault;
  store: ArchiveStore;
}): UploadArchive {
  // Data keys never change once made, so each process unwraps a study's key once.
  const keys = new Map<number, Promise<Buffer>>();
  const dataKey = (studyId: number) => {
    let key = keys.get(studyId);
    if (!key) {
      key = loadOrCreateDataKey(db, vault, studyId);
      keys.set(studyId, key);
      key.catch(() => keys.delete(studyId));
    }
    return key;
  };
  return {
    async put(studyId, key, plaintext) {
      await store.put(key, await sealArchiveObject(await dataKey(studyId), plaintext, key));
    },
    async get(studyId, key) {
      return openArchiveObject(await dataKey(studyId), await store.get(key), key);
    },
    store,
  };
}

async function loadOrCreateDataKey(db: Knex, vault: Vault, studyId: number): Promise<Buffer> {
  // INSERT IGNORE: when two processes race to create the key, both then read the one that won.
  await db('study_archive_keys')
    .insert({
      study_id: studyId,
      data_key_sealed: wrapDataKey(vault, studyId, generateDataKey()),
      created_at: new Date(),
    })
    .onConflict('study_id')
    .ignore();
  const row = (await db('study_archive_keys').where({ study_id: studyId }).first('data_key_sealed')) as
    { data_key_sealed: string } | undefined;
  if (!row) throw new Error(`study ${studyId} has no archive key`);
  return unwrapDataKey(vault, studyId, row.data_key_sealed);
}
