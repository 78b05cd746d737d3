import type { Knex } from 'knex';

/**
 * Heart-rhythm checks: an ECG recording (Withings heart list: its AFib classification, average
 * heart rate and signal, the signal itself in the raw archive under `signal_archive_key`) or a
 * PPG AFib check, merged with the ECG interval measures Getmeas reports at the same instant.
 * `afib_code` is the vendor's classification code, `afib_class` its documented meaning.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('heart_rhythm', (t) => {
    t.integer('connection_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('device_connections')
      .onDelete('CASCADE');
    t.integer('participant_id').unsigned().notNullable();
    t.string('source', 16).notNullable();
    t.string('device', 128).nullable();
    t.string('method', 8).notNullable();
    t.datetime('recorded_at', { precision: 3 }).notNullable();
    t.smallint('utc_offset_min').notNullable();
    t.string('entry', 16).nullable();
    t.smallint('afib_code').nullable();
    t.string('afib_class', 32).nullable();
    t.smallint('heart_rate_bpm').unsigned().nullable();
    t.double('qrs_ms').nullable();
    t.double('pr_ms').nullable();
    t.double('qt_ms').nullable();
    t.double('qtc_ms').nullable();
    t.string('signal_id', 32).nullable();
    t.smallint('sampling_frequency_hz').unsigned().nullable();
    t.smallint('wear_position').unsigned().nullable();
    t.string('signal_archive_key', 512).nullable();
    t.primary(['connection_id', 'method', 'recorded_at']);
    t.index(['participant_id', 'recorded_at'], 'heart_rhythm_participant_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('heart_rhythm');
}
