import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.datetime('at', { precision: 3 }).notNullable();
    t.string('actor_login', 190).notNullable();
    t.string('actor_role', 16).notNullable();
    t.boolean('actor_is_server_admin').notNullable();
    t.string('action', 64).notNullable();
    t.string('target_type', 32).notNullable();
    t.string('target_id', 64).notNullable();
    // Not a foreign key: the trail must outlive what it describes, purges included.
    t.integer('study_id').unsigned().nullable();
    t.json('before').nullable();
    t.json('after').nullable();
    t.string('request_id', 64).nullable();
    t.index(['target_type', 'target_id', 'at'], 'audit_log_target_index');
    t.index(['study_id', 'at'], 'audit_log_study_index');
    t.index(['at'], 'audit_log_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}
