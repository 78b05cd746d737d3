import type { Knex } from 'knex';

/**
 * Where each Android app-log line came from: Beiwe files every line of a log file under the file's
 * time, in the file's order, with a `New app log file created` row first, and keeps a wrapped line
 * (one without a time of its own) as it was written. The row's own time stays what the log says
 * happened when; these columns let the data-access export give Beiwe's text byte for byte. Rows
 * stored before have none (NULL) and are exported as before.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'ALTER TABLE app_log ADD COLUMN file_t DATETIME(3) NULL, ADD COLUMN line_no INT UNSIGNED NULL, ADD COLUMN wrapped BOOLEAN NOT NULL DEFAULT FALSE, ADD INDEX app_log_participant_file_index (participant_id, file_t, line_no)'
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'ALTER TABLE app_log DROP INDEX app_log_participant_file_index, DROP COLUMN file_t, DROP COLUMN line_no, DROP COLUMN wrapped'
  );
}
