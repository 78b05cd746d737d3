import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('participants', (t) => {
    // A compact integer key: every time-series row carries it.
    t.increments('id').unsigned().primary();
    t.integer('study_id').unsigned().notNullable().references('id').inTable('studies').onDelete('CASCADE');
    t.string('label', 64).notNullable();
    t.string('status', 16).notNullable().defaultTo('active');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('deleted_at', { precision: 3 }).nullable();
    // Labels are unique among the study's live participants (see studies.live_name).
    t.specificType(
      'live_label',
      'varchar(64) GENERATED ALWAYS AS (CASE WHEN deleted_at IS NULL THEN label END) STORED'
    );
    t.unique(['study_id', 'live_label'], { indexName: 'participants_study_live_label_unique' });
    t.index(['deleted_at'], 'participants_deleted_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('participants');
}
