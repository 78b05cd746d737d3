import { describe, expect, it } from 'vitest';
import { createDb, dropDatabase, ensureDatabase } from '../../ingest/src/db.ts';
import { insertParticipant, insertStudy } from '../../ingest/src/test/factories.ts';
import { testDbConfig } from '../../ingest/src/test/test-db.ts';
import { migrateLatest } from './migrate.ts';
import { down, up } from './migrations/20261208100000_add_push_local_day.ts';

describe('the push local day migration', () => {
  it('files the survey pushes an install already has under their study-local day, heartbeats under none', async () => {
    const config = testDbConfig('vigil_migrations');
    await ensureDatabase(config);
    const db = createDb(config);
    try {
      await migrateLatest(db);
      await down(db);
      const study = await insertStudy(db, { timezone: 'America/New_York' });
      const participant = await insertParticipant(db, study.id);
      const [surveyId] = await db('surveys').insert({
        study_id: study.id,
        object_id: 'MigrationSurvey'.padEnd(24, 'x'),
        survey_type: 'tracking_survey',
        name: 'Mood',
        content: '[]',
        settings: '{}',
        schedules: '{}',
        version: 1,
        created_at: new Date(),
        updated_at: new Date(),
      });
      const push = (kind: string, at: string) => ({
        participant_id: participant.id,
        kind,
        survey_id: kind === 'survey' ? surveyId : null,
        scheduled_for: new Date(at),
        time_zone: 'UTC',
        uuid: `${kind}-${at}`,
        dedupe_key: `${kind}:${at}`,
        state: 'sent',
        due_at: new Date(at),
        next_attempt_at: new Date(at),
        created_at: new Date(at),
      });
      // 01:30 UTC on the 15th is 21:30 on the 14th in New York.
      await db('push_notifications').insert([
        push('survey', '2026-09-15T01:30:00Z'),
        push('survey', '2026-09-15T12:00:00Z'),
        push('heartbeat', '2026-09-15T01:30:00Z'),
      ]);
      await up(db);
      const rows = (await db('push_notifications')
        .orderBy('id')
        .select('kind', db.raw("DATE_FORMAT(local_day, '%Y-%m-%d') AS local_day"))) as {
        kind: string;
        local_day: string | null;
      }[];
      expect(rows.map((r) => [r.kind, r.local_day])).toEqual([
        ['survey', '2026-09-14'],
        ['survey', '2026-09-15'],
        ['heartbeat', null],
      ]);
    } finally {
      await db.destroy();
      await dropDatabase(config);
    }
  }, 120_000);
});
