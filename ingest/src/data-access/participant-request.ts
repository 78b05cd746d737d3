import type { Knex } from 'knex';
import { isPatientIdShaped } from '../beiwe/protocol/passwords.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.ts';
import type { DataAccessKey } from './keys.ts';
import { textField, type Form } from './request.ts';

/** A live participant with a Beiwe identity, as the per-participant endpoints need it. */
export type KeyParticipant = {
  id: number;
  patientId: string;
  studyId: number;
  studyObjectId: string;
  studyTimezone: string;
  /** 1 Android, 2 iOS, as the export's formats take it. */
  os: 1 | 2;
};

/**
 * The participant named by the mandatory `participant_id` (Beiwe's
 * `get_validate_participant_from_request`): missing is 400, unknown is 404, and a participant of a
 * study this key may not read is 403. Text no patient id can be is 400 (the column is ASCII).
 */
export async function keyParticipant(db: Knex, key: DataAccessKey, form: Form): Promise<KeyParticipant> {
  const patientId = textField(form, 'participant_id');
  if (!patientId) throw InvalidInputError.fromFields([{ field: 'participant_id', message: 'required' }]);
  if (!isPatientIdShaped(patientId)) {
    throw InvalidInputError.fromFields([{ field: 'participant_id', message: 'not a patient id' }]);
  }
  const row = (await db('beiwe_participants as b')
    .join('participants as p', 'p.id', 'b.participant_id')
    .join('studies as s', 's.id', 'p.study_id')
    .where('b.patient_id', patientId)
    .whereNull('p.deleted_at')
    .whereNull('s.deleted_at')
    .first('p.id', 'b.patient_id', 'b.os_type', 'p.study_id', 's.object_id', 's.timezone')) as
    | { id: number; patient_id: string; os_type: string | null; study_id: number; object_id: string; timezone: string }
    | undefined;
  if (!row) throw new NotFoundError(`participant ${patientId} does not exist`);
  if (key.studyId !== null && key.studyId !== row.study_id) {
    throw new ForbiddenError(`this key has no access to participant ${patientId}`);
  }
  return {
    id: row.id,
    patientId: row.patient_id,
    studyId: row.study_id,
    studyObjectId: row.object_id,
    studyTimezone: row.timezone,
    os: /ios/i.test(row.os_type ?? '') ? 2 : 1,
  };
}

/** Beiwe's `omit_keys`: case-insensitive "true" turns each object into the list of its values. */
export function omitKeys(form: Form): boolean {
  return (textField(form, 'omit_keys') ?? 'false').toLowerCase() === 'true';
}
