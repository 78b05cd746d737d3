import type { Knex } from 'knex';

/**
 * The counters behind the ingest's rate limits and lockouts, shared by every ingest process. The
 * shape is `rate-limiter-flexible`'s MySQL store (it is told the table exists): `key` is the
 * limiter's prefix and what is counted (an address, a patient id, an access key), `expire` is
 * milliseconds since the epoch. Rows expire on their own; the limiter deletes old ones hourly.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 255).notNullable().primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire').unsigned().nullable();
    t.index(['expire'], 'rate_limits_expire_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
}
