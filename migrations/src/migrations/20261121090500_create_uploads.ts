import type { Knex } from 'knex';

/** Every file a phone uploaded and Vigil acknowledged: its archived bytes and what processing made of it. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('uploads', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.string('file_name', 255).notNullable();
    t.string('stream', 32).notNullable();
    t.datetime('file_time', { precision: 3 }).notNullable();
    t.string('os_type', 8).notNullable();
    // False for what the server writes itself (the identifiers record at registration).
    t.boolean('encrypted').notNullable().defaultTo(true);
    t.datetime('received_at', { precision: 3 }).notNullable();
    t.bigInteger('size_bytes').unsigned().notNullable();
    // Phones re-send after timeouts: the same participant, name and content is the same upload.
    t.specificType('sha256', 'binary(32)').notNullable();
    t.string('archive_key', 400).notNullable();
    t.string('status', 16).notNullable();
    t.integer('lines').unsigned().nullable();
    t.integer('bad_lines').unsigned().nullable();
    t.json('error_counts').nullable();
    t.integer('rows_stored').unsigned().nullable().comment('rows this upload added to its stream table');
    t.integer('rows_rejected').unsigned().nullable().comment('rows dropped for a bad time or value');
    t.string('error', 1000).nullable();
    t.datetime('processed_at', { precision: 3 }).nullable();
    t.unique(['participant_id', 'file_name', 'sha256'], { indexName: 'uploads_same_file_unique' });
    t.index(['participant_id', 'received_at'], 'uploads_participant_received_index');
    t.index(['status'], 'uploads_status_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('uploads');
}
