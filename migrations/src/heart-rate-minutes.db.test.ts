import { describe, expect, it } from 'vitest';
import { insertConnection } from '../../ingest/src/connections/store.ts';
import { createDb, dropDatabase, ensureDatabase } from '../../ingest/src/db.ts';
import { insertParticipant, insertStudy } from '../../ingest/src/test/factories.ts';
import { testDbConfig } from '../../ingest/src/test/test-db.ts';
import { emptyBatch } from '../../ingest/src/wearables/rows.ts';
import { writeBatch } from '../../ingest/src/wearables/writer.ts';
import { migrateLatest } from './migrate.ts';
import { down, up } from './migrations/20261121131800_create_heart_rate_minutes.ts';

describe('the heart-rate minutes migration', () => {
  it('rolls up the readings an existing install already has, in UTC whatever the session time zone', async () => {
    const config = testDbConfig('vigil_migrations');
    await ensureDatabase(config);
    const db = createDb(config);
    try {
      await migrateLatest(db);
      const now = new Date('2026-11-20T12:00:00.000Z');
      const study = await insertStudy(db, {}, now);
      const participant = await insertParticipant(db, study.id, {}, now);
      const connectionId = await insertConnection(
        db,
        { participant_id: participant.id, provider: 'polar', api: 'polar', status: 'active', scopes_requested: 'all' },
        now
      );
      const reading = (iso: string, bpm: number) => ({
        device: 'Vantage',
        utc_offset_min: 330,
        context: 'continuous' as const,
        measured_at: new Date(iso),
        bpm,
      });
      await writeBatch(
        db,
        { connectionId, participantId: participant.id, source: 'polar' },
        {
          ...emptyBatch(),
          heartRate: [
            reading('2026-11-19T23:59:59.999Z', 50),
            reading('2026-11-20T00:00:00.000Z', 61),
            reading('2026-11-20T00:00:30.000Z', 64),
            reading('2026-11-20T00:00:59.500Z', 55),
            reading('2026-11-20T07:15:00.000Z', 80),
          ],
        },
        now
      );

      await down(db);
      await db.transaction(async (trx) => {
        // A session away from UTC (India): the minutes must still be the stored UTC ones.
        await trx.raw("SET time_zone = '+05:30'");
        await up(trx);
        await trx.raw("SET time_zone = '+00:00'");
      });

      expect(
        await db('heart_rate_minutes')
          .orderBy('minute')
          .select('participant_id', 'source', 'minute', 'n', 'bpm_sum', 'bpm_min', 'bpm_max')
      ).toEqual([
        {
          participant_id: participant.id,
          source: 'polar',
          minute: new Date('2026-11-19T23:59:00.000Z'),
          n: 1,
          bpm_sum: 50,
          bpm_min: 50,
          bpm_max: 50,
        },
        {
          participant_id: participant.id,
          source: 'polar',
          minute: new Date('2026-11-20T00:00:00.000Z'),
          n: 3,
          bpm_sum: 180,
          bpm_min: 55,
          bpm_max: 64,
        },
        {
          participant_id: participant.id,
          source: 'polar',
          minute: new Date('2026-11-20T07:15:00.000Z'),
          n: 1,
          bpm_sum: 80,
          bpm_min: 80,
          bpm_max: 80,
        },
      ]);
    } finally {
      await db.destroy();
      await dropDatabase(config);
    }
  });
});
