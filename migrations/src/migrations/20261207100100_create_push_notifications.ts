import type { Knex } from 'knex';

/**
 * Every push notification Vigil plans for a phone: survey pushes from the schedules (their resends
 * share the schedule event's `uuid`) and heartbeat wake-ups. `dedupe_key` makes planning
 * idempotent across processes; `lease_*` lets one sender claim a row. `state`: scheduled, sent,
 * failed, skipped (due beyond the grace period), confirmed (the iOS app reported its uuid).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('push_notifications', (t) => {
    t.bigIncrements('id').unsigned().primary();
    t.integer('participant_id').unsigned().notNullable().references('id').inTable('participants').onDelete('CASCADE');
    t.string('kind', 16).notNullable();
    t.integer('survey_id').unsigned().nullable().references('id').inTable('surveys').onDelete('CASCADE');
    t.string('schedule_type', 16).nullable();
    t.datetime('scheduled_for', { precision: 3 }).notNullable();
    t.string('time_zone', 64).notNullable();
    t.string('uuid', 36).notNullable();
    t.tinyint('resend').unsigned().notNullable().defaultTo(0);
    t.string('dedupe_key', 128).notNullable();
    t.string('state', 16).notNullable();
    t.datetime('due_at', { precision: 3 }).notNullable();
    t.datetime('next_attempt_at', { precision: 3 }).notNullable();
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    t.string('platform', 8).nullable();
    t.datetime('sent_at', { precision: 3 }).nullable();
    t.datetime('confirmed_at', { precision: 3 }).nullable();
    t.string('error', 64).nullable();
    t.string('fcm_message_id', 200).nullable();
    t.string('lease_holder', 128).nullable();
    t.datetime('lease_until', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.unique(['participant_id', 'dedupe_key'], { indexName: 'push_notifications_dedupe' });
    t.index(['state', 'next_attempt_at'], 'push_notifications_due');
    t.index(['participant_id', 'scheduled_for'], 'push_notifications_participant');
    t.index(['participant_id', 'uuid'], 'push_notifications_uuid');
  });
  await knex.schema.createTable('push_planner_state', (t) => {
    t.tinyint('id').unsigned().primary();
    t.datetime('planned_until', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('push_planner_state');
  await knex.schema.dropTable('push_notifications');
}
