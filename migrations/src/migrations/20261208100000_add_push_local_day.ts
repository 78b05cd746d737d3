import type { Knex } from 'knex';

/**
 * The local day (study time zone) a survey push's schedule time falls on, for the delivery funnel.
 * Dashboards cannot compute it: MariaDB converts named zones only with its time-zone tables loaded,
 * which a deployment need not have. Set when the push is planned (resends copy it); rows planned
 * before this column are filled here. Heartbeat wake-ups belong to no survey day and keep NULL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('push_notifications', (t) => {
    t.date('local_day').nullable().after('scheduled_for');
    t.index(['participant_id', 'local_day'], 'push_notifications_local_day');
    // The funnel ends an event's window where the same survey is next due: one index step.
    t.index(['participant_id', 'survey_id', 'scheduled_for'], 'push_notifications_survey_time');
  });
  const formats = new Map<string, Intl.DateTimeFormat>();
  const dayIn = (instant: Date, timeZone: string) => {
    let format = formats.get(timeZone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
      formats.set(timeZone, format);
    }
    return format.format(instant);
  };
  for (;;) {
    const rows = (await knex('push_notifications as n')
      .join('participants as p', 'p.id', 'n.participant_id')
      .join('studies as s', 's.id', 'p.study_id')
      .where('n.kind', 'survey')
      .whereNull('n.local_day')
      .orderBy('n.id')
      .limit(1000)
      .select('n.id', 'n.scheduled_for', 's.timezone')) as { id: number; scheduled_for: Date; timezone: string }[];
    if (rows.length === 0) return;
    for (const r of rows) {
      await knex('push_notifications')
        .where({ id: r.id })
        .update({ local_day: dayIn(r.scheduled_for, r.timezone) });
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('push_notifications', (t) => {
    t.dropIndex(['participant_id', 'local_day'], 'push_notifications_local_day');
    t.dropIndex(['participant_id', 'survey_id', 'scheduled_for'], 'push_notifications_survey_time');
    t.dropColumn('local_day');
  });
}
