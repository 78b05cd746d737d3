import type { Knex } from 'knex';

/** iOS app log: launch, resident memory (MB), battery, event, message and four detail columns. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ios_log', (t) => {
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.datetime('t', { precision: 3 }).notNullable();
    t.specificType('row_hash', 'binary(8)').notNullable();
    t.string('launch_id', 100).notNullable();
    t.specificType('memory_mb', 'float').nullable();
    t.specificType('battery', 'float').nullable();
    t.string('event', 200).notNullable();
    t.text('msg').notNullable();
    t.string('d1', 200).notNullable();
    t.string('d2', 200).notNullable();
    t.string('d3', 200).notNullable();
    t.string('d4', 200).notNullable();
    t.primary(['participant_id', 't', 'row_hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ios_log');
}
