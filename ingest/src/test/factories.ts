import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { listAudit, type AuditRecord } from '../audit/store.ts';
import type { NewParticipant } from '../participants/schemas.ts';
import { insertParticipant as storeParticipant, type Participant } from '../participants/store.ts';
import type { NewStudy } from '../studies/schemas.ts';
import { insertStudy as storeStudy, type Study } from '../studies/store.ts';
import type { Upload } from '../uploads/store.ts';

export const uniqueName = (prefix: string) => `${prefix} ${randomBytes(4).toString('hex')}`;

export function buildStudy(overrides: Partial<NewStudy> = {}): NewStudy {
  return { name: uniqueName('Study'), description: 'created by a test', timezone: 'UTC', ...overrides };
}

export function insertStudy(db: Knex, overrides: Partial<NewStudy> = {}, now = new Date()): Promise<Study> {
  return storeStudy(db, buildStudy(overrides), now);
}

export function buildParticipant(overrides: Partial<NewParticipant> = {}): NewParticipant {
  return { label: uniqueName('patient').replace(' ', '_'), status: 'active', ...overrides };
}

export function insertParticipant(
  db: Knex,
  studyId: number,
  overrides: Partial<NewParticipant> = {},
  now = new Date()
): Promise<Participant> {
  return storeParticipant(db, studyId, buildParticipant(overrides), now);
}

/** The audit trail of one target, oldest first. */
export async function auditRowsFor(db: Knex, targetType: string, targetId: number): Promise<AuditRecord[]> {
  const { items } = await listAudit(db, { targetType, targetId: String(targetId), limit: 200, offset: 0 });
  return items.reverse();
}

/** An upload as the worker claims it, before processing: what the stream processors are handed. */
export function queuedUpload(
  fields: Pick<Upload, 'id' | 'participantId' | 'fileName' | 'stream' | 'fileTime' | 'osType' | 'receivedAt'> &
    Partial<Pick<Upload, 'sizeBytes'>>
): Upload {
  return {
    encrypted: true,
    sizeBytes: 1000,
    sha256: '',
    archiveKey: '',
    status: 'queued',
    lines: null,
    badLines: null,
    errorCounts: null,
    rowsStored: null,
    rowsRejected: null,
    error: null,
    processedAt: null,
    ...fields,
  };
}
