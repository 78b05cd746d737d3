import type { Knex } from 'knex';

/**
 * Every call to the data-access API, allowed or not (Beiwe's `DataAccessRecord`), and every admin
 * export. The key's access id is kept as text so attempts with unknown or deleted keys stay
 * readable; `status` is the HTTP status answered.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('data_access_attempts', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.datetime('at', { precision: 3 }).notNullable();
    t.integer('key_id').unsigned().nullable().comment('no foreign key: attempts outlive deleted keys');
    t.string('access_key', 80).nullable();
    t.string('actor_login', 200).nullable().comment('admin exports: the Grafana user');
    t.string('endpoint', 64).notNullable();
    t.smallint('status').unsigned().notNullable();
    t.string('outcome', 300).notNullable();
    t.integer('study_id').unsigned().nullable();
    t.json('query').nullable();
    t.string('request_id', 64).nullable();
    t.index(['key_id', 'at'], 'data_access_attempts_key_index');
    t.index(['at'], 'data_access_attempts_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('data_access_attempts');
}
