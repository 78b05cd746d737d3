import type { Knex } from 'knex';

/** Data quantity sums upload bytes per participant, stream and day of the file's time. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('uploads', (t) => {
    t.index(['participant_id', 'stream', 'file_time'], 'uploads_participant_stream_time_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('uploads', (t) => {
    t.dropIndex(['participant_id', 'stream', 'file_time'], 'uploads_participant_stream_time_index');
  });
}
