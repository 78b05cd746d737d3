import type { Knex } from 'knex';
import { up as createSingleReceiveUpload } from './20261212300000_create_receive_upload_procedure.ts';

/** The attempt's parameters, the first of `receive_upload`'s. */
const ATTEMPT_PARAMETERS = `IN p_participant_id INT UNSIGNED,
    IN p_attempt_at DATETIME(3),
    IN p_new_device_id VARCHAR(200),
    IN p_history_device_id VARCHAR(200),
    IN p_history_os_type VARCHAR(8),
    IN p_history_os_version VARCHAR(32),
    IN p_history_version_code VARCHAR(32),
    IN p_history_version_name VARCHAR(32),
    IN p_history_timezone VARCHAR(64)`;

/** The upload's parameters after its participant, the rest of `receive_upload`'s. */
const UPLOAD_PARAMETERS = `IN p_file_name VARCHAR(255),
    IN p_stream VARCHAR(32),
    IN p_file_time DATETIME(3),
    IN p_os_type VARCHAR(8),
    IN p_encrypted BOOLEAN,
    IN p_received_at DATETIME(3),
    IN p_size_bytes BIGINT UNSIGNED,
    IN p_sha256 BINARY(32),
    IN p_archive_key VARCHAR(400),
    IN p_status VARCHAR(16),
    IN p_error VARCHAR(1000)`;

/**
 * The receive commit's two halves as procedures of their own, so that each is written once: an
 * attempt that stores no upload records itself with `record_upload_attempt`, and registration
 * commits its identifiers record with `store_upload` inside its own transaction (a procedure that
 * starts a transaction would commit the caller's). Neither controls the transaction: each runs in
 * its caller's, or statement by statement under autocommit. `receive_upload` keeps its parameters
 * and its guarantee: any error, in either half, rolls the whole transaction back before it reaches
 * the caller (RESIGNAL keeps its code, so a duplicate upload is still a 1062), and a connection
 * killed mid-way commits nothing.
 *
 * SQL SECURITY INVOKER: the procedures grant nothing their caller could not do itself.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP PROCEDURE receive_upload');
  // The history columns are all NULL when the caller already knows the report matches the latest
  // row; otherwise a row is added only if it differs from it.
  await knex.raw(`CREATE PROCEDURE record_upload_attempt(
    ${ATTEMPT_PARAMETERS}
  )
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  BEGIN
    UPDATE beiwe_participants
      SET last_upload_at = p_attempt_at,
          updated_at = IF(p_new_device_id IS NULL, updated_at, p_attempt_at),
          device_id = IFNULL(p_new_device_id, device_id)
      WHERE participant_id = p_participant_id;
    IF p_history_device_id IS NOT NULL THEN
      INSERT INTO beiwe_device_history
        (participant_id, seen_at, device_id, os_type, os_version, version_code, version_name, timezone)
        SELECT p_participant_id, p_attempt_at, p_history_device_id, p_history_os_type, p_history_os_version,
               p_history_version_code, p_history_version_name, p_history_timezone
        FROM DUAL WHERE NOT EXISTS (
          SELECT 1 FROM (
            SELECT device_id, os_type, os_version, version_code, version_name, timezone
            FROM beiwe_device_history WHERE participant_id = p_participant_id ORDER BY id DESC LIMIT 1
          ) AS last
          WHERE last.device_id <=> p_history_device_id AND last.os_type <=> p_history_os_type
            AND last.os_version <=> p_history_os_version AND last.version_code <=> p_history_version_code
            AND last.version_name <=> p_history_version_name AND last.timezone <=> p_history_timezone);
    END IF;
  END`);
  await knex.raw(`CREATE PROCEDURE store_upload(
    IN p_participant_id INT UNSIGNED,
    ${UPLOAD_PARAMETERS}
  )
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  BEGIN
    INSERT INTO uploads
      (participant_id, file_name, stream, file_time, os_type, encrypted, received_at, size_bytes, sha256,
       archive_key, status, error)
      VALUES (p_participant_id, p_file_name, p_stream, p_file_time, p_os_type, p_encrypted, p_received_at,
              p_size_bytes, p_sha256, p_archive_key, p_status, p_error);
    IF p_status = 'queued' THEN
      INSERT INTO upload_jobs (upload_id, state, attempts, run_after, created_at, updated_at)
        VALUES (LAST_INSERT_ID(), 'queued', 0, p_received_at, p_received_at, p_received_at);
    END IF;
  END`);
  await knex.raw(`CREATE PROCEDURE receive_upload(
    ${ATTEMPT_PARAMETERS},
    ${UPLOAD_PARAMETERS}
  )
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  BEGIN
    -- An error the called procedures do not handle reaches this handler, so it covers both halves.
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
      ROLLBACK;
      RESIGNAL;
    END;
    START TRANSACTION;
    CALL record_upload_attempt(p_participant_id, p_attempt_at, p_new_device_id, p_history_device_id,
      p_history_os_type, p_history_os_version, p_history_version_code, p_history_version_name, p_history_timezone);
    CALL store_upload(p_participant_id, p_file_name, p_stream, p_file_time, p_os_type, p_encrypted, p_received_at,
      p_size_bytes, p_sha256, p_archive_key, p_status, p_error);
    COMMIT;
  END`);
}

/** The single procedure as migration 20261212300000 made it, which stays as it landed. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP PROCEDURE receive_upload');
  await knex.raw('DROP PROCEDURE store_upload');
  await knex.raw('DROP PROCEDURE record_upload_attempt');
  await createSingleReceiveUpload(knex);
}
