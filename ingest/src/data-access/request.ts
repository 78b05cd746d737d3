import type { Knex } from 'knex';
import { isPatientIdShaped } from '../beiwe/protocol/passwords.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.ts';
import { findStudy, findStudyByObjectId, type Study } from '../studies/store.ts';
import { DEFAULT_STREAMS, EXPORT_STREAMS, type ExportParticipant, type ExportStream } from './export.ts';
import { verifyKey, type DataAccessKey } from './keys.ts';

/** A POSTed form as Hono's `parseBody({ all: true })` gives it. */
export type Form = Record<string, string | File | (string | File)[]>;

const CREDENTIAL = /^[A-Za-z0-9+/]+$/;

/** The form's values for a field: repeated fields, or one JSON list (spec §6), or one plain value. */
export function listField(form: Form, field: string): string[] | undefined {
  const raw = form[field];
  if (raw === undefined) return undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  if (values.length === 1 && values[0]!.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values[0]!);
    } catch {
      throw InvalidInputError.fromFields([{ field, message: 'is not a JSON list' }]);
    }
    if (!Array.isArray(parsed)) throw InvalidInputError.fromFields([{ field, message: 'is not a JSON list' }]);
    return parsed.map(String);
  }
  return values.filter((v) => v !== '');
}

export function textField(form: Form, field: string): string | undefined {
  const raw = form[field];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return typeof value === 'string' ? value : undefined;
}

export const WRONG_KEY = 'unknown or disabled access key, or wrong secret';

/** Spec §6: a missing or malformed credential is 400; an unknown, disabled or wrong one is 403. */
export async function authenticate(db: Knex, form: Form): Promise<DataAccessKey> {
  const accessKey = textField(form, 'access_key');
  const secret = textField(form, 'secret_key');
  const problems = [
    ...(accessKey && CREDENTIAL.test(accessKey) ? [] : [{ field: 'access_key', message: 'missing or malformed' }]),
    ...(secret && CREDENTIAL.test(secret) ? [] : [{ field: 'secret_key', message: 'missing or malformed' }]),
  ];
  if (problems.length > 0) throw InvalidInputError.fromFields(problems);
  const key = await verifyKey(db, accessKey!, secret!);
  if (!key) throw new ForbiddenError(WRONG_KEY);
  return key;
}

/**
 * The study named by `study_id` (24-character object id) or, as `download_data.py` sends it when the
 * id is a number, `study_pk` (Vigil's integer study id); `study_id` wins when both are given, as in
 * Beiwe. The key must be allowed to read it.
 */
export async function keyStudy(db: Knex, key: DataAccessKey, form: Form): Promise<Study> {
  const objectId = textField(form, 'study_id');
  const pk = textField(form, 'study_pk');
  let study: Study | undefined;
  let named: string;
  if (objectId === undefined && pk !== undefined) {
    // Beiwe takes whatever Python's int() takes: surrounding spaces and a sign.
    if (!/^\s*[+-]?\d{1,15}\s*$/.test(pk)) {
      throw InvalidInputError.fromFields([{ field: 'study_pk', message: 'expected an integer study id' }]);
    }
    const id = Number(pk);
    named = String(id);
    study = id > 0 ? await findStudy(db, id) : undefined;
  } else {
    if (!objectId || !/^[A-Za-z0-9]{24}$/.test(objectId)) {
      throw InvalidInputError.fromFields([
        { field: 'study_id', message: 'expected a 24-character study object id (or study_pk, an integer study id)' },
      ]);
    }
    named = objectId;
    study = await findStudyByObjectId(db, objectId);
  }
  if (!study || study.deletedAt) throw new NotFoundError(`study ${named} does not exist`);
  if (key.studyId !== null && key.studyId !== study.id)
    throw new ForbiddenError(`this key has no access to study ${named}`);
  return study;
}

/** `all` (Beiwe's streams and the wearable ones, for Beiwe's API) when none are named. */
export function parseStreams(
  requested: readonly string[] | undefined,
  all: readonly ExportStream[] = DEFAULT_STREAMS
): ExportStream[] {
  if (!requested || requested.length === 0) return [...all];
  const unknown = requested.filter((s) => !(EXPORT_STREAMS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new NotFoundError(`unknown data streams: ${unknown.join(', ')}`);
  return EXPORT_STREAMS.filter((s) => requested.includes(s));
}

/** The study's live participants with a Beiwe identity, by patient id; all of them when none are named. */
export async function studyParticipants(
  db: Knex,
  studyId: number,
  patientIds?: readonly string[]
): Promise<ExportParticipant[]> {
  const q = db('participants as p')
    .join('beiwe_participants as b', 'b.participant_id', 'p.id')
    .where('p.study_id', studyId)
    .whereNull('p.deleted_at')
    .orderBy('b.patient_id')
    .select('p.id', 'b.patient_id', 'b.os_type');
  const malformed = (patientIds ?? []).filter((id) => !isPatientIdShaped(id));
  if (malformed.length > 0) {
    throw InvalidInputError.fromFields([
      { field: 'participant_ids', message: `not patient ids: ${malformed.slice(0, 10).join(', ')}` },
    ]);
  }
  if (patientIds && patientIds.length > 0) void q.whereIn('b.patient_id', patientIds);
  const rows = (await q) as { id: number; patient_id: string; os_type: string | null }[];
  const found = rows.map(
    (r) => ({ id: r.id, patientId: r.patient_id, os: /ios/i.test(r.os_type ?? '') ? 2 : 1 }) as const
  );
  const missing = (patientIds ?? []).filter((id) => !found.some((p) => p.patientId === id));
  if (missing.length > 0) throw new NotFoundError(`unknown participants: ${missing.join(', ')}`);
  return found;
}

/** `%Y-%m-%dT%H:%M:%S`, UTC (spec §6); anything else is 400. */
export function parseBeiweTime(form: Form, field: string): Date | undefined {
  const value = textField(form, field);
  if (value === undefined || value === '') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(value);
  const d = m && new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  if (!m || !d || d.toISOString().slice(0, 19) !== value) {
    throw InvalidInputError.fromFields([{ field, message: 'expected YYYY-MM-DDTHH:MM:SS (UTC)' }]);
  }
  return d;
}

export function parseRegistry(form: Form): Map<string, string> {
  const value = textField(form, 'registry');
  if (value === undefined || value.trim() === '') return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw InvalidInputError.fromFields([{ field: 'registry', message: 'is not a JSON object' }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw InvalidInputError.fromFields([{ field: 'registry', message: 'is not a JSON object' }]);
  }
  return new Map(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}
