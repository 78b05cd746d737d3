import type { Knex } from 'knex';

/** A registered-or-not phone identity, as the mobile endpoints need it. */
export type Phone = {
  participantId: number;
  studyId: number;
  studyObjectId: string;
  studyName: string;
  studyDeleted: boolean;
  patientId: string;
  passwordHash: string;
  privateKeySealed: string;
  publicKey: string;
  deviceId: string | null;
  osType: string | null;
  retired: boolean;
  /** Beiwe's "extensive device info tracking": keep every request's device status report. */
  deviceInfoTracking: boolean;
};

type PhoneRow = {
  participant_id: number;
  study_id: number;
  study_object_id: string;
  study_name: string;
  study_deleted_at: Date | null;
  patient_id: string;
  password_hash: string;
  private_key_sealed: string;
  public_key: string;
  device_id: string | null;
  os_type: string | null;
  retired_at: Date | null;
  device_info_tracking: number;
};

/** The phone of a live participant; a deleted participant has no phone (spec §1.5 step 2). */
export async function findPhone(db: Knex, patientId: string): Promise<Phone | undefined> {
  const row = (await db('beiwe_participants as b')
    .join('participants as p', 'p.id', 'b.participant_id')
    .join('studies as s', 's.id', 'p.study_id')
    .whereNull('p.deleted_at')
    .where('b.patient_id', patientId)
    .first(
      'b.participant_id',
      'p.study_id',
      's.object_id as study_object_id',
      's.name as study_name',
      's.deleted_at as study_deleted_at',
      'b.patient_id',
      'b.password_hash',
      'b.private_key_sealed',
      'b.public_key',
      'b.device_id',
      'b.os_type',
      'b.retired_at',
      'b.device_info_tracking'
    )) as PhoneRow | undefined;
  return (
    row && {
      participantId: row.participant_id,
      studyId: row.study_id,
      studyObjectId: row.study_object_id,
      studyName: row.study_name,
      studyDeleted: row.study_deleted_at !== null,
      patientId: row.patient_id,
      passwordHash: row.password_hash,
      privateKeySealed: row.private_key_sealed,
      publicKey: row.public_key,
      deviceId: row.device_id,
      osType: row.os_type,
      retired: row.retired_at !== null,
      deviceInfoTracking: Boolean(row.device_info_tracking),
    }
  );
}

/** The §1.3 parameters every request carries, truncated to 32 characters as Beiwe stores them. */
export type DeviceReport = {
  deviceId: string;
  osType: 'ANDROID' | 'IOS';
  osVersion: string;
  versionCode: string;
  versionName: string;
  timezone: string;
};

/**
 * Keeps the phone's device id current (a new one simply replaces the old, §1.5 step 3) and adds a
 * history row when the app version, OS or time zone changed.
 */
export async function recordDeviceReport(db: Knex, phone: Phone, report: DeviceReport, now: Date): Promise<void> {
  if (phone.deviceId !== null && phone.deviceId !== report.deviceId) {
    await db('beiwe_participants')
      .where({ participant_id: phone.participantId })
      .update({ device_id: report.deviceId, updated_at: now });
  }
  const last = (await db('beiwe_device_history')
    .where({ participant_id: phone.participantId })
    .orderBy('id', 'desc')
    .first('device_id', 'os_type', 'os_version', 'version_code', 'version_name', 'timezone')) as
    Record<string, string> | undefined;
  const row = historyRow(report);
  const changed = !last || Object.entries(row).some(([k, v]) => last[k] !== v);
  if (changed) await db('beiwe_device_history').insert({ participant_id: phone.participantId, seen_at: now, ...row });
}

/**
 * What an upload records of its phone, in the upload's own commit (`receive_upload`) when it stores
 * one: the attempt's time, a new device id, and the report's history row when `reportMayDiffer` (a
 * report this process has not seen last for the participant), added only if it differs from the
 * latest row.
 */
export type UploadAttempt = {
  participantId: number;
  at: Date;
  /** Null when the phone's device id is unchanged (or none is registered yet). */
  newDeviceId: string | null;
  /** Null when this process saw this report last for the participant: no history check. */
  history: HistoryRow | null;
};

export function uploadAttempt(phone: Phone, report: DeviceReport, now: Date, reportMayDiffer: boolean): UploadAttempt {
  const newDevice = phone.deviceId !== null && phone.deviceId !== report.deviceId;
  return {
    participantId: phone.participantId,
    at: now,
    newDeviceId: newDevice ? report.deviceId : null,
    history: reportMayDiffer ? historyRow(report) : null,
  };
}

/** Records an attempt that stored no upload, in one round trip (`record_upload_attempt`). */
export async function recordUploadAttempt(db: Knex, attempt: UploadAttempt): Promise<void> {
  await db.raw('CALL record_upload_attempt(?, ?, ?, ?, ?, ?, ?, ?, ?)', attemptParameters(attempt));
}

/** The attempt as `record_upload_attempt` and `receive_upload` take it, in their order. */
export function attemptParameters(attempt: UploadAttempt) {
  const h = attempt.history;
  return [
    attempt.participantId,
    attempt.at,
    attempt.newDeviceId,
    h?.device_id ?? null,
    h?.os_type ?? null,
    h?.os_version ?? null,
    h?.version_code ?? null,
    h?.version_name ?? null,
    h?.timezone ?? null,
  ];
}

/**
 * One request's device status report, kept while the participant's device info tracking is on, as
 * Beiwe's `generate_device_status_report_history` keeps it: the OS type registered before this
 * request, the OS version, and the app version as "name code" (Beiwe's test for iOS compares the OS
 * version with "IOS", so it never picks its other order), each cut to its 32-character column.
 */
export async function recordDeviceStatus(
  db: Knex,
  phone: Phone,
  report: DeviceReport,
  statusReport: string | undefined,
  endpoint: string,
  now: Date
): Promise<void> {
  await db('beiwe_device_status_reports').insert({
    participant_id: phone.participantId,
    created_at: now,
    endpoint: endpoint.slice(0, 255),
    app_os: phone.osType ?? 'None',
    os_version: report.osVersion || 'None',
    app_version: `${report.versionName} ${report.versionCode}`.slice(0, 32),
    report: statusReport ?? null,
  });
}

type HistoryRow = ReturnType<typeof historyRow>;

const historyRow = (report: DeviceReport) => ({
  device_id: report.deviceId,
  os_type: report.osType,
  os_version: report.osVersion,
  version_code: report.versionCode,
  version_name: report.versionName,
  timezone: report.timezone,
});

/**
 * The device report each participant's phone sent last to this process (bounded, least recently
 * used out): an upload whose report matches needs no history check. Another process seeing the
 * phone in between can at worst make this one skip recording a change back to an earlier report.
 */
export function createDeviceReportMemory(max = 20_000) {
  const last = new Map<number, string>();
  return {
    seen(participantId: number, report: DeviceReport): boolean {
      return last.get(participantId) === JSON.stringify(historyRow(report));
    },
    remember(participantId: number, report: DeviceReport): void {
      last.delete(participantId);
      last.set(participantId, JSON.stringify(historyRow(report)));
      if (last.size > max) last.delete(last.keys().next().value!);
    },
  };
}

export async function registerPhone(
  db: Knex,
  phone: Phone,
  changes: { deviceId: string; osType: 'ANDROID' | 'IOS'; passwordHash: string },
  now: Date
): Promise<void> {
  await db('beiwe_participants')
    .where({ participant_id: phone.participantId })
    .update({
      device_id: changes.deviceId,
      os_type: changes.osType,
      password_hash: changes.passwordHash,
      first_registered_at: db.raw('COALESCE(first_registered_at, ?)', [now]),
      last_registered_at: now,
      updated_at: now,
    });
}

export async function setPhonePassword(db: Knex, phone: Phone, passwordHash: string, now: Date): Promise<void> {
  await db('beiwe_participants')
    .where({ participant_id: phone.participantId })
    .update({ password_hash: passwordHash, updated_at: now });
}

export async function touchLastUpload(db: Knex, phone: Phone, now: Date): Promise<void> {
  await db('beiwe_participants').where({ participant_id: phone.participantId }).update({ last_upload_at: now });
}

export async function recordHeartbeat(db: Knex, phone: Phone, message: string | undefined, now: Date): Promise<void> {
  await db('beiwe_heartbeats').insert({
    participant_id: phone.participantId,
    received_at: now,
    message: message?.slice(0, 500) ?? null,
  });
  await db('beiwe_participants').where({ participant_id: phone.participantId }).update({ last_heartbeat_at: now });
}

/** A blank token unregisters all of the participant's tokens; a new one replaces the active one. */
export async function setFcmToken(db: Knex, phone: Phone, token: string, now: Date): Promise<void> {
  const active = db('beiwe_fcm_tokens').where({ participant_id: phone.participantId }).whereNull('unregistered_at');
  if (token === '') {
    await active.update({ unregistered_at: now });
    return;
  }
  const current = (await active.clone().first('id', 'token')) as { id: number; token: string } | undefined;
  if (current?.token === token) return;
  await active.clone().update({ unregistered_at: now });
  await db('beiwe_fcm_tokens').insert({
    participant_id: phone.participantId,
    token: token.slice(0, 500),
    created_at: now,
  });
}
