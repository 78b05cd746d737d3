import type { Knex } from 'knex';
import * as createStudies from './20261121080000_create_studies.ts';
import * as createParticipants from './20261121080100_create_participants.ts';
import * as createAuditLog from './20261121080200_create_audit_log.ts';
import * as createBeiweParticipants from './20261121090000_create_beiwe_participants.ts';
import * as createBeiweDeviceHistory from './20261121090100_create_beiwe_device_history.ts';
import * as createBeiweHeartbeats from './20261121090200_create_beiwe_heartbeats.ts';
import * as createBeiweFcmTokens from './20261121090300_create_beiwe_fcm_tokens.ts';
import * as createStudyArchiveKeys from './20261121090400_create_study_archive_keys.ts';
import * as createUploads from './20261121090500_create_uploads.ts';
import * as createUploadJobs from './20261121090600_create_upload_jobs.ts';

type Migration = { name: string; module: Knex.Migration };

/** In the order they run. Append only: a merged migration is never edited. */
export const migrations: readonly Migration[] = [
  { name: '20261121080000_create_studies', module: createStudies },
  { name: '20261121080100_create_participants', module: createParticipants },
  { name: '20261121080200_create_audit_log', module: createAuditLog },
  { name: '20261121090000_create_beiwe_participants', module: createBeiweParticipants },
  { name: '20261121090100_create_beiwe_device_history', module: createBeiweDeviceHistory },
  { name: '20261121090200_create_beiwe_heartbeats', module: createBeiweHeartbeats },
  { name: '20261121090300_create_beiwe_fcm_tokens', module: createBeiweFcmTokens },
  { name: '20261121090400_create_study_archive_keys', module: createStudyArchiveKeys },
  { name: '20261121090500_create_uploads', module: createUploads },
  { name: '20261121090600_create_upload_jobs', module: createUploadJobs },
];
