import type { Knex } from 'knex';
import { afterAll, beforeAll } from 'vitest';
import { createStreamProcessor } from '../streams/processor.ts';
import { currentDeviceSettings } from '../study-config/device-settings-store.ts';
import { insertParticipant, insertStudy } from '../test/factories.ts';
import { createOwnDatabase } from '../test/test-db.ts';
import type { Upload } from '../uploads/store.ts';
import { FEATURE_DELAY_MS } from './dirty.ts';
import { computeMarkedDays, createFeatureProcessor } from './processor.ts';

/**
 * Test tooling for the daily-features tests, called inside their `describe`: a database of their
 * own (there from the suite's `beforeAll`), a clock that moves only as uploads are processed, the
 * worker's two processors, and Beiwe participants of a study in `timezone`.
 */
export function featuresTestbed(prefix: string, start: Date, timezone: string) {
  let own: Awaited<ReturnType<typeof createOwnDatabase>> | undefined;
  let now = start;
  const clock = () => now;
  const streams = createStreamProcessor({ clock, settingsFor: currentDeviceSettings });
  const features = createFeatureProcessor({ clock });
  beforeAll(async () => {
    own = await createOwnDatabase(prefix);
  });
  afterAll(() => own?.drop());
  const t = {
    clock,
    get db(): Knex {
      if (!own) throw new Error('the features testbed is not started yet');
      return own.db;
    },
    /**
     * One upload through both processors, in one transaction, as the worker runs them, two minutes
     * after the one before: each batch computes the days marked by the ones before it.
     */
    process: (u: Upload, text: string) => {
      now = new Date(now.getTime() + 2 * 60_000);
      return t.db.transaction(async (trx) => {
        const items = [{ upload: u, plaintext: Buffer.from(text) }];
        await streams({ trx, items });
        await features({ trx, items });
      });
    },
    /** The scheduled job, a minute after the last upload. */
    sweep: () => computeMarkedDays(t.db, new Date(now.getTime() + FEATURE_DELAY_MS)),
    participant: async (osType: 'ANDROID' | 'IOS', patientId: string) => {
      const study = await insertStudy(t.db, { timezone });
      const p = await insertParticipant(t.db, study.id);
      await t.db('beiwe_participants').insert({
        participant_id: p.id,
        patient_id: patientId,
        password_hash: 'x',
        private_key_sealed: 'x',
        public_key: 'x',
        os_type: osType,
        created_at: now,
        updated_at: now,
      });
      return { ...p, studyId: study.id };
    },
  };
  return t;
}
